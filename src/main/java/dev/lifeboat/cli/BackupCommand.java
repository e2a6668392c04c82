package dev.lifeboat.cli;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgBackup;
import dev.lifeboat.postgres.PgBackupService;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;

import java.io.IOException;

/**
 * {@code lifeboat backup DB}: one backup now, then retention. Dispatches on the database's type: postgres runs
 * pg_dump; SQLite databases are replicated continuously by {@code lifeboat run}/{@code agent} instead.
 */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "backup", description = "Back a database up now (then apply its retention).")
public class BackupCommand extends DatabaseCommand {
    @Inject
    PgBackupService postgres;

    @picocli.CommandLine.Option(names = "--base", description = "Postgres: take a point-in-time-recovery base backup (pg_basebackup) instead of a pg_dump.")
    boolean base;

    @Inject
    dev.lifeboat.pitr.BaseBackupService baseBackups;

    @Override
    public Integer call() throws IOException {
        LifeboatConfig loaded = loadConfig();
        DatabaseConfig db = databaseIn(loaded);
        return switch (db.type()) {
            case POSTGRES -> base ? baseBackup() : backupPostgres();
            // SQLite is replicated continuously, there is no one-off backup yet.
            case SQLITE -> throw new UserFacingException("lifeboat backup is not yet supported for " + db.type()
                    + " databases; they are replicated continuously by lifeboat run / lifeboat agent");
        };
    }

    private int baseBackup() {
        dev.lifeboat.pitr.BaseBackupManifest m;
        try {
            m = baseBackups.backupNow(database);
        } catch (IOException e) {
            throw new UserFacingException("base backup of " + database + " failed: " + e.getMessage());
        }
        out().printf("base backup %s of %s: %s read, %s stored (%s%s), WAL %s..%s on timeline %d, consistent at %s, in %.1fs%n", m.id(), database,
                Databases.bytes(m.rawBytes()), Databases.bytes(m.storedBytes()), m.compression(), m.encrypted() ? ", age-encrypted" : "",
                m.startLsn(), m.stopLsn(), m.timeline(), m.consistentAt(), java.time.Duration.between(m.startedAt(), m.finishedAt()).toMillis() / 1000.0);
        return 0;
    }

    private int backupPostgres() throws IOException {
        Manifest m;
        try {
            m = postgres.backupNow(database);
        } catch (PgBackup.LockBusyException e) {
            throw new UserFacingException(e.getMessage() + "; try again when it has finished");
        } catch (IOException e) {
            throw new UserFacingException("backup of " + database + " failed: " + e.getMessage());
        }
        out().printf("backup %s of %s: %s dumped, %s stored (%s%s), sha256 %s, in %.1fs%n", m.id(), database,
                Databases.bytes(m.rawBytes()), Databases.bytes(m.storedBytes()), m.compression(), m.encrypted() ? ", age-encrypted" : "",
                m.sha256(), m.duration().toMillis() / 1000.0);
        return 0;
    }
}
