package dev.lifeboat.config;

import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;

/**
 * PostgreSQL: {@code databases.<db>.pitr}, point-in-time recovery. WAL is streamed continuously over a physical
 * replication slot and archived under {@code <db>/pitr/wal/}; base backups are taken on
 * {@link #baseBackupSchedule()} under {@code <db>/pitr/base/} (layout: {@code dev.lifeboat.pitr.PitrLayout}). Off by
 * default; only for {@code type: postgres}. pg_dump backups of the same database go on as before.
 */
public interface PitrConfig {
    /** Whether the agent archives this database's WAL and takes base backups. */
    @WithDefault("false")
    boolean enabled();

    /** When base backups run (interval or cron, UTC). */
    @WithName("base-backup-schedule")
    @WithDefault(DEFAULT_BASE_BACKUP_SCHEDULE)
    @WithConverter(ScheduleConverter.class)
    Schedule baseBackupSchedule();

    /**
     * Name of the physical replication slot the archiver streams from; created when missing, never dropped by the
     * agent (a disabled PITR leaves it: drop it with {@code SELECT pg_drop_replication_slot('lifeboat')}).
     */
    @WithDefault(DEFAULT_SLOT)
    String slot();

    /**
     * Longest time received WAL stays only in the agent's memory: the segment in progress is uploaded as a partial
     * object at least this often while WAL arrives, so the RPO under steady writes is about this long.
     */
    @WithName("archive-timeout")
    @WithDefault(DEFAULT_ARCHIVE_TIMEOUT)
    Duration archiveTimeout();

    /** Which base backups and WAL are kept. */
    PitrRetentionConfig retention();

    /** Retention by the times recorded in base-backup manifests. */
    interface PitrRetentionConfig {
        /** Restores must stay possible to any moment this far back. */
        @WithDefault(DEFAULT_RETENTION_PERIOD)
        Duration period();

        /** Always keep at least this many newest base backups (and the WAL from the oldest kept one on). */
        @WithName("keep-base-backups")
        @WithDefault(DEFAULT_KEEP_BASE_BACKUPS)
        int keepBaseBackups();
    }

    String DEFAULT_BASE_BACKUP_SCHEDULE = "24h";
    String DEFAULT_SLOT = "lifeboat";
    String DEFAULT_ARCHIVE_TIMEOUT = "10s";
    String DEFAULT_RETENTION_PERIOD = "7d";
    String DEFAULT_KEEP_BASE_BACKUPS = "2";
}
