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

    @Option(names = "--pitr", description = "Postgres: apply the point-in-time-recovery retention (base backups and WAL) instead.")
    boolean pitr;

    @Inject
    dev.lifeboat.pitr.BaseBackupService baseBackups;

    @Override
    public Integer call() throws IOException {
        LifeboatConfig loaded = loadConfig();
        DatabaseConfig db = databaseIn(loaded);
        switch (db.type()) {
            case POSTGRES -> { }
            // SQLite retention (retention.period) is applied by the replicator itself.
            case SQLITE -> throw new UserFacingException("lifeboat prune is not yet supported for " + db.type() + " databases");
        }
        if (pitr) {
            return prunePitr();
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

    private int prunePitr() {
        dev.lifeboat.pitr.PitrRetention.Plan plan;
        try {
            plan = baseBackups.prune(database, dryRun);
        } catch (IOException e) {
            throw new UserFacingException("PITR prune of " + database + " failed: " + e.getMessage());
        }
        PrintWriter out = out();
        String deleted = dryRun ? "would delete" : "deleted";
        plan.keepBase().forEach((m, why) -> out.printf("keep    base backup %s  consistent %s  (%s)%n", m.id(), m.consistentAt(), why));
        plan.deleteBase().forEach(m -> out.printf("%s  base backup %s  consistent %s%n", deleted, m.id(), m.consistentAt()));
        plan.keepWal().forEach((o, why) -> out.printf("keep    %s  (%s)%n", o.key(), why));
        plan.deleteWal().forEach(o -> out.printf("%s  %s%n", deleted, o.key()));
        out.printf("%d base backup(s) and %d WAL object(s) kept, %d and %d %s%n", plan.keepBase().size(), plan.keepWal().size(),
                plan.deleteBase().size(), plan.deleteWal().size(), dryRun ? "to delete (dry run: nothing deleted)" : "deleted");
        return 0;
    }
}
