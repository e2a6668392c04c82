package dev.lifeboat.cli;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.sqlite.SqliteRestoreService;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * {@code lifeboat restore DB}: restores one configured database from its destination. Dispatches on the database's
 * {@code type}; each type owns its restore (SQLite: {@code dev.lifeboat.sqlite}).
 */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "restore", description = "Restore a database from its backups or replica.")
public class RestoreCommand extends DatabaseCommand {
    @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "Write the restored database here (default: the configured path).")
    Path output;

    @Option(names = {"--timestamp", "--at"}, paramLabel = "T", description = "Restore the state as of this time (ISO-8601, e.g. 2026-01-02T15:04:05Z); "
            + "postgres: the newest backup taken at or before it.")
    String timestamp;

    @Option(names = "--generation", paramLabel = "G", description = "SQLite: restore from this generation (16 hex digits).")
    String generation;

    @Option(names = "--index", paramLabel = "I", description = "SQLite, with --generation: replay WAL up to this index (hex).")
    String index;

    @Option(names = "--if-db-not-exists", description = "Do nothing (exit 0) when the target database file already exists.")
    boolean ifDbNotExists;

    @Option(names = "--if-replica-exists", description = "Do nothing (exit 0) when there is nothing to restore from.")
    boolean ifReplicaExists;

    @Option(names = "--to", paramLabel = "URL", description = "Postgres: restore into this database (postgres://user:pass@host:5432/db); created if missing.")
    String to;

    @Option(names = "--backup", paramLabel = "ID", description = "Postgres: restore this backup (see lifeboat list) instead of the newest.")
    String backupId;

    @Option(names = "--clean", description = "Postgres: allow a non-empty target; objects in the backup are dropped and recreated.")
    boolean clean;

    @Option(names = "--no-owner", description = "Postgres: do not restore object ownership (for targets without the original roles).")
    boolean noOwner;

    @Option(names = {"-i", "--identity"}, paramLabel = "FILE", description = "Postgres: age identity file for encrypted backups (repeatable; "
            + "encryption.identity-files are used too).")
    java.util.List<Path> identities = new java.util.ArrayList<>();

    @picocli.CommandLine.ArgGroup(exclusive = false, heading = "Postgres point-in-time recovery:%n")
    PitrRestoreOptions pitr;

    @Inject
    SqliteRestoreService sqlite;

    @Inject
    dev.lifeboat.store.Destinations destinations;

    @Inject
    dev.lifeboat.postgres.PgBackupService postgres;

    @Override
    public Integer call() {
        LifeboatConfig loaded = loadConfig();
        DatabaseConfig db = databaseIn(loaded);
        Instant at = parseTime(timestamp);
        return switch (db.type()) {
            case SQLITE -> restoreSqlite(loaded, db, at);
            case POSTGRES -> pitr != null && pitr.enabled ? pitr.run(this, db, at) : restorePostgres(loaded, at);
        };
    }

    private int restoreSqlite(LifeboatConfig loaded, DatabaseConfig db, Instant at) {
        if (index != null && generation == null) {
            throw new UserFacingException("--index needs --generation: an index only means something within one generation");
        }
        Integer maxIndex = null;
        if (index != null) {
            try {
                maxIndex = Integer.parseUnsignedInt(index, 16);
            } catch (NumberFormatException e) {
                throw new UserFacingException("--index must be a hexadecimal WAL index such as 0000002a, not '" + index + "'");
            }
        }
        Path target = output != null ? output : Path.of(db.path().orElseThrow(
                () -> new UserFacingException("databases." + database + ".path is not set; pass -o PATH")));
        var outcome = sqlite.restore(loaded, database, target, at, generation, maxIndex, ifDbNotExists, ifReplicaExists);
        out().println(outcome);
        return 0;
    }

    private int restorePostgres(LifeboatConfig loaded, Instant at) {
        if (to == null) {
            throw new UserFacingException("restore of a postgres database needs --to URL (the database to restore into; it is created if missing)");
        }
        if (backupId != null && at != null) {
            throw new UserFacingException("--backup and --at both choose a backup; give one of them");
        }
        try {
            var backup = postgres.select(database, backupId, at);
            var result = postgres.restore(database, backup, to, clean, noOwner, identities);
            out().printf("restored backup %s of %s (taken %s) into %s%s: %d bytes in %.1fs, checksum verified%n",
                    backup.id(), database, backup.startedAt(), result.target(), result.createdDatabase() ? " (created)" : "",
                    result.rawBytes(), result.took().toMillis() / 1000.0);
            return 0;
        } catch (java.io.IOException e) {
            throw new UserFacingException("restore of " + database + " failed: " + e.getMessage());
        }
    }

    static Instant parseTime(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new UserFacingException("--timestamp must be an ISO-8601 time with a zone, such as 2026-01-02T15:04:05Z, not '" + text + "'");
        }
    }
}
