package dev.lifeboat.cli;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.Retention;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgBackupService;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code lifeboat prune DB [--dry-run]}: applies the database's retention (keep-last and daily/weekly/monthly). */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "prune", description = "Delete the backups the retention policy does not keep.")
public class PruneCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DB", description = "Name of the database in the configuration.")
    String database;

    @Option(names = "--dry-run", description = "Only print what would be kept and deleted.")
    boolean dryRun;

    @Inject
    ActiveConfig active;

    @Inject
    PgBackupService postgres;

    @Override
    public Integer call() throws IOException {
        LifeboatConfig loaded = config.load();
        active.install(config.path(), loaded);
        DatabaseConfig db = Databases.named(loaded, database, config);
        if (!"postgres".equals(db.type())) {
            // Dispatch point: SQLite retention (retention.period) is applied by the replicator itself.
            throw new UserFacingException("lifeboat prune is not yet supported for " + db.type() + " databases");
        }
        Retention.Plan plan;
        try {
            plan = postgres.prune(database, dryRun);
        } catch (IOException e) {
            throw new UserFacingException("prune of " + database + " failed: " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        plan.keep().forEach((m, why) -> out.printf("keep    %s  %s  (%s)%n", m.id(), m.startedAt(), String.join(", ", why)));
        for (Manifest m : plan.delete()) {
            out.printf("%s  %s  %s%n", dryRun ? "would delete" : "deleted", m.id(), m.startedAt());
        }
        out.printf("%d kept, %d %s%n", plan.keep().size(), plan.delete().size(), dryRun ? "to delete (dry run: nothing deleted)" : "deleted");
        return 0;
    }
}
