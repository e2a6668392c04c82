package dev.lifeboat.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * PostgreSQL: {@code databases.<db>.health}, the watch of the live server (connections, long and idle transactions,
 * replication slots, transaction-ID wraparound) that feeds the {@code pg-*} alert rules, status and metrics. On by
 * default for every {@code type: postgres} database; the README's "PostgreSQL health" section documents every key.
 */
public interface HealthConfig {
    /** Whether the agent watches this database. */
    @WithDefault("true")
    boolean enabled();

    /** How often the watch runs its one query batch on the connection it holds. */
    @WithDefault("15s")
    Duration interval();

    /** {@code pg-connections} thresholds, percentages of the usable slots (max_connections minus the reserved ones). */
    ConnectionsConfig connections();

    /** {@code pg-long-transaction}: a non-idle transaction older than this. */
    @WithName("long-transaction")
    @WithDefault("5m")
    Duration longTransaction();

    /** {@code pg-idle-in-transaction}: a session idle inside a transaction for longer than this. */
    @WithName("idle-in-transaction")
    @WithDefault("5m")
    Duration idleInTransaction();

    /** {@code pg-slot-retained}: an inactive replication slot holding back more WAL than this. */
    @WithName("slot-retained")
    @WithDefault("1GB")
    ByteSize slotRetained();

    /** {@code pg-wraparound}: {@code age(datfrozenxid)} of any database above this (the hard limit is about 2.1 billion). */
    @WithName("xid-age")
    @WithDefault("1000000000")
    long xidAge();

    /**
     * Whether alerts and status may show query text. Off by default: query literals carry secrets and personal data.
     */
    @WithName("show-queries")
    @WithDefault("false")
    boolean showQueries();

    /** {@code pg-replication-lag} thresholds, for a primary's standbys and for a standby's own replay. */
    @WithName("replication-lag")
    ReplicationLagConfig replicationLag();

    /** {@code pg-standby-missing}: standbys ({@code application_name} in pg_stat_replication) that must be connected. */
    @WithName("expected-standbys")
    Optional<List<String>> expectedStandbys();

    /** {@code pg-slow-queries}: a statement whose mean time over the last interval exceeds this (pg_stat_statements). */
    @WithName("slow-query")
    @WithDefault("100ms")
    Duration slowQuery();

    /** {@code pg-slow-queries}: the fewest calls in the interval for a statement's mean to count. */
    @WithName("slow-query-calls")
    @WithDefault("10")
    int slowQueryCalls();

    /** {@code databases.<db>.health.replication-lag}. */
    interface ReplicationLagConfig {
        /** Warning when replay is this far behind in time. */
        @WithDefault("30s")
        Duration warn();

        /** Warning when replay is this far behind in WAL bytes. */
        @WithName("warn-bytes")
        @WithDefault("256MB")
        ByteSize warnBytes();

        /** Critical when replay is this far behind in time. */
        @WithDefault("5m")
        Duration critical();
    }

    /** {@code databases.<db>.health.connections}. */
    interface ConnectionsConfig {
        /** {@code pg-connections} warning at this share of the usable slots ({@code 80%}). */
        @WithDefault("80%")
        String warn();

        /** {@code pg-connections} critical at this share of the usable slots ({@code 95%}). */
        @WithDefault("95%")
        String critical();
    }

    /** {@code 80%} or {@code 80} as a number; {@link IllegalArgumentException} unless between 0 (exclusive) and 100. */
    static double percent(String text) {
        String t = text.trim();
        if (t.endsWith("%")) {
            t = t.substring(0, t.length() - 1).trim();
        }
        double p;
        try {
            p = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a percentage; write e.g. 80%");
        }
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("'" + text + "' must be a percentage above 0% and at most 100%");
        }
        return p;
    }
}
