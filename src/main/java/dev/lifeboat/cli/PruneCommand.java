package dev.lifeboat.cli;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.Retention;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgBackupService;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;

/** {@code lifeboat prune DB [--dry-run]}: applies the database's retention (keep-last and daily/weekly/monthly). */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "prune", description = "Delete the backups the retention policy does not keep.")
public class PruneCommand extends DatabaseCommand {
    @Option(names = "--dry-run", description = "Only print what would be kept and deleted.")
    boolean dryRun;

    @Inject
    PgBackupService postgres;

    @Override
    public Integer call() throws IOException {
        LifeboatConfig loaded = loadConfig();
        DatabaseConfig db = databaseIn(loaded);
        switch (db.type()) {
            case POSTGRES -> { }
            // SQLite retention (retention.period) is applied by the replicator itself.
            case SQLITE -> throw new UserFacingException("lifeboat prune is not yet supported for " + db.type() + " databases");
        }
        Retention.Plan plan;
        try {
            plan = postgres.prune(database, dryRun);
        } catch (IOException e) {
            throw new UserFacingException("prune of " + database + " failed: " + e.getMessage());
        }
        PrintWriter out = out();
        plan.keep().forEach((m, why) -> out.printf("keep    %s  %s  (%s)%n", m.id(), m.startedAt(), String.join(", ", why)));
        for (Manifest m : plan.delete()) {
            out.printf("%s  %s  %s%n", dryRun ? "would delete" : "deleted", m.id(), m.startedAt());
        }
        out.printf("%d kept, %d %s%n", plan.keep().size(), plan.delete().size(), dryRun ? "to delete (dry run: nothing deleted)" : "deleted");
        return 0;
    }
}
