package dev.lifeboat.cli;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.drill.DrillRecord;
import dev.lifeboat.drill.DrillReport;
import dev.lifeboat.drill.DrillService;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/**
 * {@code lifeboat drill DB [--json]}: runs one restore drill of a database now (restore into a scratch place,
 * checks, clean-up), records it in the destination's drill history, prints the report and exits 1 unless it passed.
 */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "drill", description = "Run a restore drill of a database now: restore its backup into a scratch place, "
        + "check it, remove the scratch copy; exit 1 unless it passed.")
public class DrillCommand extends DatabaseCommand {
    @Option(names = "--json", description = "Print the drill record as JSON.")
    boolean json;

    @Inject
    DrillService drills;

    @Override
    public Integer call() {
        LifeboatConfig loaded = loadConfig();
        DrillRecord r = drills.run(loaded, database, "cli");
        PrintWriter out = out();
        if (json) {
            out.println(DrillReport.json(r));
        } else {
            DrillReport.text(r).forEach(out::println);
        }
        out.flush();
        return r.passed() ? 0 : 1;
    }
}
