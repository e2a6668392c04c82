package dev.lifeboat.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One database to protect. {@code type} selects which of the other keys apply: SQLite databases are replicated
 * continuously from {@code path}; PostgreSQL databases are dumped from {@code url} on {@code schedule}.
 */
public interface DatabaseConfig {
    /** {@code sqlite} or {@code postgres}. */
    String type();

    /** Name of the entry under {@code destinations} that receives this database's objects. */
    String destination();

    /** SQLite: path of the database file. */
    Optional<String> path();

    /** PostgreSQL: libpq connection URL ({@code postgres://user:pass@host:5432/db?sslmode=require}). Never printed. */
    Optional<String> url();

    /** PostgreSQL: when to back up, an interval ({@code 1h}, {@code 30m}) or a 5-field cron expression. */
    @WithDefault(DEFAULT_SCHEDULE)
    String schedule();

    /** Compression of stored objects: {@code zstd}, {@code gzip} or {@code none} (SQLite replicas always use LZ4, as Litestream does). */
    @WithDefault(DEFAULT_COMPRESSION)
    String compression();

    /** Optional age encryption of stored objects. */
    Optional<EncryptionConfig> encryption();

    /** PostgreSQL: pg_dump selection; empty lists mean everything. */
    @WithName("pg-dump")
    PgDumpConfig pgDump();

    /** Longest a single backup may run before it is killed and recorded as failed. */
    @WithDefault(DEFAULT_TIMEOUT)
    Duration timeout();

    /** Which backups to keep. */
    RetentionConfig retention();

    /** SQLite: how often new WAL frames are shipped. */
    @WithName("sync-interval")
    @WithDefault(DEFAULT_SYNC_INTERVAL)
    Duration syncInterval();

    /** SQLite: how often a full snapshot starts a fresh restore point. */
    @WithName("snapshot-interval")
    @WithDefault(DEFAULT_SNAPSHOT_INTERVAL)
    Duration snapshotInterval();

    /** Restore drills: scheduled test restores of this database's backups. */
    DrillConfig drill();

    /** age encryption: recipients to encrypt to, and (for restores and drills) identities to decrypt with. */
    interface EncryptionConfig {
        /** age X25519 public keys ({@code age1...}). */
        List<String> recipients();

        /** Files holding age identities ({@code AGE-SECRET-KEY-1...}) for restores and drills. */
        @WithName("identity-files")
        Optional<List<String>> identityFiles();
    }

    /** pg_dump object selection, passed through as {@code --schema}, {@code --exclude-schema}, {@code --table}, {@code --exclude-table}. */
    interface PgDumpConfig {
        Optional<List<String>> schemas();

        @WithName("exclude-schemas")
        Optional<List<String>> excludeSchemas();

        Optional<List<String>> tables();

        @WithName("exclude-tables")
        Optional<List<String>> excludeTables();
    }

    /** Grandfather-father-son retention, counted on the times recorded in manifests. 0 disables a rule. */
    interface RetentionConfig {
        /** Always keep this many newest backups. */
        @WithName("keep-last")
        @WithDefault("7")
        int keepLast();

        /** Keep the newest backup of each of this many most recent days. */
        @WithName("keep-daily")
        @WithDefault("7")
        int keepDaily();

        /** Keep the newest backup of each of this many most recent ISO weeks. */
        @WithName("keep-weekly")
        @WithDefault("4")
        int keepWeekly();

        /** Keep the newest backup of each of this many most recent months. */
        @WithName("keep-monthly")
        @WithDefault("6")
        int keepMonthly();

        /** SQLite: how long generations and WAL are kept (the newest snapshot's chain is always kept). */
        @WithDefault("72h")
        Duration period();
    }

    /** Restore drill settings. */
    interface DrillConfig {
        /** Run drills on this schedule (interval or cron); absent means drills run only on demand. */
        Optional<String> schedule();

        /** Longest a drill may take. */
        @WithDefault("30m")
        Duration timeout();
    }

    String DEFAULT_SCHEDULE = "1h";
    String DEFAULT_COMPRESSION = "zstd";
    String DEFAULT_TIMEOUT = "2h";
    String DEFAULT_SYNC_INTERVAL = "1s";
    String DEFAULT_SNAPSHOT_INTERVAL = "24h";
}
