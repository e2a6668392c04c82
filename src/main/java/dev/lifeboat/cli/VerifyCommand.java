package dev.lifeboat.cli;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.AuditService;
import dev.lifeboat.audit.Auditor;
import dev.lifeboat.catalog.ManifestCodec;
import dev.lifeboat.config.LifeboatConfig;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * {@code lifeboat verify DB [--deep] [--json]}: the agent's replica audit, once, from the command line. Exit 0 when the
 * newest point is restorable, 1 when it is not (every missing or wrong object is named).
 */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "verify", description = "Check from the destination that the newest backup of a database can be restored: "
        + "every object a restore reads is there with its recorded size; exit 1 naming what is missing or wrong.")
public class VerifyCommand extends DatabaseCommand {
    @Option(names = "--deep", description = "Also download every object a restore of the newest point reads and check its checksum.")
    boolean deep;

    @Option(names = "--json", description = "Print the audit report as JSON.")
    boolean json;

    @Inject
    AuditService audits;

    @Override
    public Integer call() {
        LifeboatConfig loaded = loadConfig();
        Auditor auditor = audits.auditor(databaseIn(loaded))
                .orElseThrow(() -> new UserFacingException("lifeboat verify does not support the type of " + database));
        AuditReport report;
        try {
            report = auditor.audit(database, loaded, deep);
        } catch (IOException e) {
            throw new UserFacingException("cannot verify " + database + ": " + e.getMessage());
        }
        PrintWriter out = out();
        if (json) {
            out.println(ManifestCodec.toJson(report));
        } else {
            out.println(database + ": " + (report.newest() == null ? "nothing in the destination yet"
                    : report.restorable() ? report.newest() + " is restorable (up to " + report.restorablePoint() + ")"
                    : report.newest() + " is NOT restorable"));
            report.problems().forEach(p -> out.println("  " + p));
            out.println("  " + report.requests() + " request(s)" + (deep ? ", checksums verified" : ""));
        }
        out.flush();
        return report.restorable() ? 0 : 1;
    }
}
