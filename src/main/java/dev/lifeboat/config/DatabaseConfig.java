package dev.lifeboat.config;

import dev.lifeboat.stream.Compression;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One database to protect. {@code type} selects which of the other keys apply: SQLite databases are replicated
 * continuously from {@code path}; PostgreSQL databases are dumped from {@code url} on {@code schedule}.
 */
public interface DatabaseConfig {
    /** {@code sqlite} or {@code postgres}. */
    @WithConverter(DatabaseTypeConverter.class)
    DatabaseType type();

    /** Name of the entry under {@code destinations} that receives this database's objects. */
    String destination();

    /** SQLite: path of the database file. */
    Optional<String> path();

    /** PostgreSQL: libpq connection URL ({@code postgres://user:pass@host:5432/db?sslmode=require}). Never printed. */
    Optional<String> url();

    /** PostgreSQL: when to back up, an interval ({@code 1h}, {@code 30m}) or a 5-field cron expression. */
    @WithDefault(DEFAULT_SCHEDULE)
    @WithConverter(ScheduleConverter.class)
    Schedule schedule();

    /** Compression of stored objects: {@code zstd}, {@code gzip} or {@code none} (SQLite replicas always use LZ4, as Litestream does). */
    @WithDefault(DEFAULT_COMPRESSION)
    @WithConverter(CompressionConverter.class)
    Compression compression();

    /** Optional age encryption of stored objects. */
    Optional<EncryptionConfig> encryption();

    /** PostgreSQL: pg_dump selection; empty lists mean everything. */
    @WithName("pg-dump")
    PgDumpConfig pgDump();

    /**
     * PostgreSQL: how the manifest's per-table row counts are taken: {@code estimate} (planner statistics, free) or
     * {@code exact} ({@code count(*)} of every dumped table inside pg_dump's own snapshot: one more read of the data,
     * and drills then check row counts exactly).
     */
    @WithName("row-counts")
    @WithDefault("estimate")
    String rowCounts();

    /** The accepted {@link #rowCounts()} values. */
    Set<String> ROW_COUNTS = Set.of("estimate", "exact");

    /** Longest a single backup may run before it is killed and recorded as failed. */
    @WithDefault(DEFAULT_TIMEOUT)
    Duration timeout();

    /**
     * PostgreSQL: a failed backup is tried again after this wait instead of at the next schedule slot; the wait
     * doubles after each further failure in a row (with jitter) up to {@link #retryMaxBackoff()}, until a backup
     * succeeds. A scheduled backup that comes first replaces the pending retry.
     */
    @WithName("retry-backoff")
    @WithDefault(DEFAULT_RETRY_BACKOFF)
    Duration retryBackoff();

    /** PostgreSQL: the longest wait between two retries of a failing backup. */
    @WithName("retry-max-backoff")
    @WithDefault(DEFAULT_RETRY_MAX_BACKOFF)
    Duration retryMaxBackoff();

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

    /**
     * How often the agent audits the destination: lists what a restore of the newest point reads and checks it is
     * there with the recorded sizes (also right after start-up). Status, readiness and alerts report what it proves.
     */
    @WithName("audit-interval")
    @WithDefault(DEFAULT_AUDIT_INTERVAL)
    Duration auditInterval();

    /** Restore drills: scheduled test restores of this database's backups. */
    DrillConfig drill();

    /** PostgreSQL: the health watch of the live server ({@link HealthConfig}). */
    HealthConfig health();

    /** PostgreSQL: point-in-time recovery, WAL archiving and base backups ({@link PitrConfig}). */
    PitrConfig pitr();

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

    /**
     * Restore drill settings: a drill restores one backup into a scratch place, checks it, records RTO/RPO and
     * drops the scratch copy again. The README's "Restore drills" section documents every key.
     */
    interface DrillConfig {
        /**
         * Whether the agent drills on {@link #schedule()}. On by default: an untested backup proves nothing. With
         * {@code false} drills run only on demand ({@code lifeboat drill DB}), and {@code drill-overdue}
         * fires once the newest passing drill is older than {@link #maxAge()} (at once if there is none).
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * When the agent drills (interval or cron, UTC), counted from the newest drill in the destination's history.
         * Default by type ({@link DatabaseConfig#drillSchedule}): sqlite {@value DatabaseConfig#DEFAULT_DRILL_SCHEDULE_SQLITE},
         * postgres {@value DatabaseConfig#DEFAULT_DRILL_SCHEDULE_POSTGRES}.
         */
        Optional<@WithConverter(ScheduleConverter.class) Schedule> schedule();

        /**
         * How soon after the agent starts a database that has no drill yet (or whose drill is overdue) is drilled,
         * unless {@link #schedule()} comes sooner. A database with nothing to restore yet waits for its first
         * snapshot or backup.
         */
        @WithName("first-delay")
        @WithDefault(DEFAULT_DRILL_FIRST_DELAY)
        Duration firstDelay();

        /**
         * {@code drill-overdue}: the newest passing drill may be at most this old. A database never drilled counts as
         * overdue once its first drill was due plus {@link #timeout()}, or at once when scheduled drills are off or impossible.
         */
        @WithName("max-age")
        @WithDefault(DEFAULT_DRILL_MAX_AGE)
        Duration maxAge();

        /** Longest a drill may take. */
        @WithDefault("30m")
        Duration timeout();

        /** Which backup to restore: {@code latest}, or {@code random} (any backup still within retention). */
        @WithDefault(DRILL_BACKUP_LATEST)
        String backup();

        /** User checks by name, run against the restored copy; each is a query and what its first value must be. */
        Map<String, CheckConfig> checks();

        /**
         * PostgreSQL: server for scratch databases, a libpq URL whose database is the one to connect to for
         * CREATE/DROP DATABASE ({@code postgres://drill@drill-db.internal:5432/postgres}); the role needs CREATEDB.
         * Default: the source's server (its {@code postgres} database), under a generated name. Never printed.
         */
        @WithName("server-url")
        Optional<String> serverUrl();

        /** SQLite: directory for the scratch copy; default {@code <system temp dir>/lifeboat-drills}. */
        @WithName("scratch-dir")
        Optional<String> scratchDir();

        /**
         * Most space a drill's scratch copy may take; a drill whose estimate exceeds it (or the free space of the
         * scratch directory, whichever is smaller) is refused. Default: the free space where it can be measured.
         */
        @WithName("scratch-space")
        Optional<ByteSize> scratchSpace();

        /**
         * PostgreSQL with {@code pitr.enabled}: the directory of the server binaries (pg_ctl, postgres, pg_controldata)
         * of the backups' major version that PITR drills start a scratch server with ({@code /usr/lib/postgresql/15/bin}).
         * Default: searched like pg_dump (LIFEBOAT_PG_BIN, PATH, /usr/lib/postgresql/N/bin).
         */
        @WithName("postgres-bin")
        Optional<String> postgresBin();

        /**
         * PostgreSQL with {@code pitr.enabled}: how the scratch server's {@code restore_command} runs Lifeboat
         * ({@code lifeboat wal-fetch ...}); it runs as the server's OS user. Default: this process's own command
         * (the native executable, or {@code java -jar .../quarkus-run.jar}).
         */
        @WithName("lifeboat-command")
        Optional<String> lifeboatCommand();

        /** SQLite: {@code full} ({@code PRAGMA integrity_check} and {@code foreign_key_check}) or {@code quick} ({@code quick_check}). */
        @WithDefault(DRILL_INTEGRITY_FULL)
        String integrity();

        /** SQLite: compare row counts with the live database when the replica is known to hold its current state. */
        @WithName("compare-live")
        @WithDefault("true")
        boolean compareLive();

        /** Drill records kept in the destination ({@code <database>/drills/}); older ones are deleted. */
        @WithName("keep-history")
        @WithDefault("100")
        int keepHistory();
    }

    /**
     * One user check of a restore drill.
     */
    interface CheckConfig {
        /** SQL whose first column of the first row is the observed value ({@code select count(*) from users}). */
        String query();

        /**
         * What the value must be: a comparison with a number or quoted text ({@code >= 1}, {@code == 0},
         * {@code != 'x'}), {@code not null}, or a freshness test on a time value: {@code newer than backup - 1d}
         * (backup = the time the restored data represents) or {@code newer than now - 2h}.
         */
        String expect();
    }

    String DRILL_BACKUP_LATEST = "latest";
    String DRILL_BACKUP_RANDOM = "random";
    String DRILL_INTEGRITY_FULL = "full";
    String DRILL_INTEGRITY_QUICK = "quick";
    /** The accepted {@code drill.backup} values. */
    Set<String> DRILL_BACKUPS = Set.of(DRILL_BACKUP_LATEST, DRILL_BACKUP_RANDOM);
    /** The accepted {@code drill.integrity} values. */
    Set<String> DRILL_INTEGRITIES = Set.of(DRILL_INTEGRITY_FULL, DRILL_INTEGRITY_QUICK);

    String DEFAULT_DRILL_SCHEDULE_SQLITE = "24h";
    String DEFAULT_DRILL_SCHEDULE_POSTGRES = "7d";
    String DEFAULT_DRILL_FIRST_DELAY = "1m";
    String DEFAULT_DRILL_MAX_AGE = "31d";

    /** When {@code db} is drilled: its {@code drill.schedule}, else the default of its type (sqlite daily, postgres weekly). */
    static Schedule drillSchedule(DatabaseConfig db) {
        return db.drill().schedule().orElseGet(() -> Schedule.parse(switch (db.type()) {
            case SQLITE -> DEFAULT_DRILL_SCHEDULE_SQLITE;
            case POSTGRES -> DEFAULT_DRILL_SCHEDULE_POSTGRES;
        }));
    }

    String DEFAULT_SCHEDULE = "1h";
    String DEFAULT_COMPRESSION = "zstd";
    String DEFAULT_TIMEOUT = "2h";
    String DEFAULT_RETRY_BACKOFF = "10s";
    String DEFAULT_RETRY_MAX_BACKOFF = "10m";
    String DEFAULT_SYNC_INTERVAL = "1s";
    String DEFAULT_SNAPSHOT_INTERVAL = "24h";
    String DEFAULT_AUDIT_INTERVAL = "5m";
}
