package dev.lifeboat.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Alert rules' thresholds, the firing/resolved lifecycle, delivery and the sinks notifications go to.
 * The README's "Alerts" section documents every key with an example; keep the two in step.
 */
public interface AlertsConfig {
    /** Rule identifiers a sink's {@code rules:} filter may name (the README lists what each one means). */
    List<String> RULE_IDS = List.of("backup-stale", "backup-failures", "drill-failed", "drill-overdue", "replication-lag",
            "replication-error", "volume-unmounted", "volume-read-only", "volume-low-space", "volume-low-inodes",
            "volume-slow-fsync", "volume-probe-failed", "volume-database-off-volume", "volume-wrong-fs-type",
            "volume-too-small", "volume-filling-up", "volume-fly-volume-missing", "volume-fly-volume-not-attached",
            "volume-fly-snapshot-stale", "volume-fly-api-error", "destination-unreachable", "config-invalid",
            "alert-state-unwritable", "replica-damaged", "pg-connections", "pg-long-transaction", "pg-idle-in-transaction",
            "pg-slot-retained", "pg-wraparound", "pg-replication-lag", "pg-standby-missing",
            "pg-slow-queries", "replica-lease-held-elsewhere",
            "pitr-archive-lag", "pitr-slot-retained-wal", "pitr-archive-error", "pitr-base-backup-stale");

    /** The accepted {@code severity:} and {@code min-severity:} values, lowest first. */
    List<String> SEVERITIES = List.of("info", "warning", "critical");

    /** The accepted sink {@code type:} values. */
    Set<String> SINK_TYPES = Set.of("webhook", "slack", "discord", "pagerduty", "alertmanager", "healthchecks");

    /** How long a condition must hold before its alert fires; a condition that clears sooner sends nothing. */
    @WithName("for")
    @WithDefault("2m")
    Duration pendingFor();

    /** How often a still-firing alert is sent again. */
    @WithName("repeat-interval")
    @WithDefault("4h")
    Duration repeatInterval();

    /** How often rules are evaluated. */
    @WithName("evaluate-interval")
    @WithDefault("30s")
    Duration evaluateInterval();

    /** How long a resolved alert stays listed by {@code GET /api/v1/alerts}. */
    @WithName("keep-resolved")
    @WithDefault("24h")
    Duration keepResolved();

    /**
     * Directory of the alert state file and the outbox. Default: {@code /var/lib/lifeboat/alerts} when
     * {@code /var/lib/lifeboat} exists and is writable, else {@code .lifeboat/state/alerts} under the working directory.
     */
    @WithName("state-dir")
    Optional<String> stateDir();

    /** Directory of notifications not yet delivered; default {@code <state-dir>/outbox}. */
    @WithName("outbox-dir")
    Optional<String> outboxDir();

    /** Severity per rule id, overriding the rule's own ({@code info}, {@code warning}, {@code critical}). */
    Map<String, String> severity();

    /** Thresholds of the rules. */
    ThresholdsConfig thresholds();

    /** Timeouts and retries of notification delivery. */
    DeliveryConfig delivery();

    /** Named notification targets. */
    Map<String, SinkConfig> sinks();

    /**
     * A dead man's switch: an outside check (healthchecks.io, Better Stack, Cronitor) pinged while the verdict is not
     * failing, which alerts when the pings stop. Absent: no heartbeat.
     */
    Optional<HeartbeatConfig> heartbeat();

    /** {@code alerts.heartbeat}. */
    interface HeartbeatConfig {
        /**
         * Gap between two pings when {@code interval} is not set. Not a {@code @WithDefault}: a default would make the
         * optional block present, and so required, in every configuration.
         */
        Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

        /** The check's ping URL, fetched with HTTP GET. Required; often holds the check's key: never printed. */
        Optional<String> url();

        /** Gap between two pings ({@link #DEFAULT_INTERVAL}); set the check's period to it and its grace to a few of them. */
        @WithName("interval")
        Optional<Duration> intervalSetting();

        /** The gap between two pings, {@link #DEFAULT_INTERVAL} unless set. */
        default Duration interval() {
            return intervalSetting().orElse(DEFAULT_INTERVAL);
        }
    }

    /** Rule thresholds; volume thresholds are the volume's own ({@code volumes.<name>.min-free}, {@code max-fsync-latency}...). */
    interface ThresholdsConfig {
        /**
         * {@code backup-stale}: the newest successful backup of a database may be at most this old. Default: twice the
         * gap between two scheduled backups plus the backup {@code timeout} (an hourly schedule with the 2h timeout: 4h).
         */
        @WithName("max-backup-age")
        Optional<Duration> maxBackupAge();

        /** {@code backup-failures}: fire after this many backups of a database failed in a row. */
        @WithName("consecutive-failures")
        @WithDefault("2")
        int consecutiveFailures();

        /** {@code replication-lag}: SQLite changes not yet shipped for longer than this. */
        @WithName("max-replication-lag")
        @WithDefault("5m")
        Duration maxReplicationLag();

        /** {@code pitr-archive-lag}: PostgreSQL WAL written but not yet archived for longer than this. */
        @WithName("max-pitr-archive-lag")
        @WithDefault("2m")
        Duration maxPitrArchiveLag();

        /** {@code pitr-slot-retained-wal}: the archiver's replication slot keeps more WAL than this on the server. */
        @WithName("max-pitr-slot-retained")
        @WithDefault("4GB")
        ByteSize maxPitrSlotRetained();
    }

    /** How notifications are delivered. */
    interface DeliveryConfig {
        /** Connect plus response timeout of one attempt. */
        @WithDefault("10s")
        Duration timeout();

        /** Attempts before a notification is given up and shown as failed in status. */
        @WithName("max-attempts")
        @WithDefault("20")
        int maxAttempts();

        /** Wait after the first failed attempt; doubled after each further failure, with jitter. */
        @WithName("initial-backoff")
        @WithDefault("5s")
        Duration initialBackoff();

        /** Longest wait between two attempts. */
        @WithName("max-backoff")
        @WithDefault("10m")
        Duration maxBackoff();
    }

    /** One notification target. */
    interface SinkConfig {
        /** {@code webhook}, {@code slack}, {@code discord}, {@code pagerduty}, {@code alertmanager} or {@code healthchecks}. */
        String type();

        /** Where to send. May hold a token; never printed. Optional only for pagerduty (Events API v2 endpoint by default). */
        Optional<String> url();

        /** Webhook HMAC signing secret, PagerDuty routing key. Never printed. */
        Optional<String> secret();

        /** Lowest severity sent: {@code info}, {@code warning} or {@code critical}. */
        @WithName("min-severity")
        @WithDefault("warning")
        String minSeverity();

        /** Only these rules (all when absent). */
        Optional<List<String>> rules();

        /**
         * healthchecks: job name ({@code backup.app}) → check, as a slug or UUID appended to {@code url} or a full URL.
         * Without it every job pings {@code url} itself.
         */
        Map<String, String> jobs();
    }
}
