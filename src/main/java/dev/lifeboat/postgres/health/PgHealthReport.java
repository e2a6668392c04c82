package dev.lifeboat.postgres.health;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.time.Instant;
import java.util.List;

/**
 * One poll of a PostgreSQL server by the health watch: what status ({@code databases.<db>.health}), the
 * {@code pg-*} alert rules, the metrics and {@code lifeboat health} show. Figures that could not be read are null.
 * Never holds query text unless {@code health.show-queries} is on (query literals carry secrets and personal data),
 * nor a password. Times are ISO-8601 text with any ObjectMapper.
 *
 * @param checkedAt   when the poll ran (the server's figures are from that moment)
 * @param pollMillis  how long the poll's query batch took
 * @param error       why the poll failed (the server is unreachable, a query timed out); the figures are then null
 * @param permission  what the watch's role cannot see and the one GRANT that fixes it; null when it sees everything
 * @param walBytes    size of pg_wal (needs pg_monitor or superuser)
 * @param standbys    on a primary, every connected standby ({@code pg_stat_replication}); empty on a standby
 * @param recovery    on a standby, how far its replay is behind what it received; null on a primary
 * @param slowQueries the slowest statements since the previous poll, from pg_stat_statements where it is installed
 */
@io.quarkus.runtime.annotations.RegisterForReflection(targets = {PgHealthReport.class, PgHealthReport.Connections.class,
        PgHealthReport.ClientGroup.class, PgHealthReport.Session.class, PgHealthReport.Slot.class, PgHealthReport.Standby.class,
        PgHealthReport.Recovery.class, PgHealthReport.SlowQueries.class, PgHealthReport.Statement.class, PgHealthReport.XidAge.class})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PgHealthReport(String database, @JsonSerialize(using = ToStringSerializer.class) Instant checkedAt, double pollMillis,
                             String error, String permission, Boolean inRecovery, Connections connections,
                             Session oldestTransaction, Session oldestIdleInTransaction, List<Slot> slots, XidAge xidAge,
                             Long walBytes, List<Standby> standbys, Recovery recovery, SlowQueries slowQueries) {

    /** A poll that failed: only {@code error} is known. */
    static PgHealthReport failed(String database, Instant at, double pollMillis, String error) {
        return new PgHealthReport(database, at, pollMillis, error, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** True when the poll read the figures (a permission note may still say some are hidden). */
    public boolean ok() {
        return error == null;
    }

    /** True when other roles' sessions are visible, so transaction figures mean what they say. */
    public boolean seesAllSessions() {
        return ok() && permission == null;
    }

    /**
     * Client connections by state ({@code pg_stat_activity}, client backends only; the watch's own included) and the
     * server's limits. {@code other} counts states this role may not see and the rare ones (fastpath, disabled).
     *
     * @param usable      {@code max_connections - superuser_reserved_connections}: what ordinary roles can open
     * @param usedPercent {@code total / usable * 100}
     * @param top         the three biggest groups by application_name and client address
     */
    public record Connections(int active, int idle, int idleInTransaction, int other, int total, int max,
                              int superuserReserved, int usable, double usedPercent, List<ClientGroup> top) {
    }

    /** Sessions of one application from one client address ({@code local} for a Unix socket). */
    public record ClientGroup(String application, String client, int count) {
    }

    /**
     * One backend: the oldest open transaction, or the longest idle in transaction.
     *
     * @param seconds   age of its transaction (or time idle in it)
     * @param waitEvent {@code type:event} it waits on ({@code Client:ClientRead}), null when not waiting
     * @param query     its current or last statement, only with {@code health.show-queries}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Session(int pid, String user, String application, String client, String state, double seconds,
                          String waitEvent, String query) {
    }

    /**
     * A replication slot and the WAL it keeps on the server.
     *
     * @param retainedBytes WAL from the slot's restart_lsn to the current position; null when it reserves none
     * @param walStatus     {@code reserved}, {@code extended}, {@code unreserved} or {@code lost}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Slot(String name, String type, boolean active, Long retainedBytes, String walStatus) {
    }

    /**
     * A standby as its primary sees it ({@code pg_stat_replication}): lags in seconds as the server measured them
     * (null once caught up and idle) and in bytes from the primary's current WAL position.
     *
     * @param name the standby's {@code application_name} (its {@code cluster_name} unless primary_conninfo sets one)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Standby(String name, String state, String client, Double writeLagSeconds, Double flushLagSeconds,
                          Double replayLagSeconds, Long writeLagBytes, Long flushLagBytes, Long replayLagBytes) {
    }

    /**
     * A standby's own replay: WAL received but not yet replayed, and {@code now() - pg_last_xact_replay_timestamp()}
     * while there is some (0 when everything received is replayed: an idle primary is not a stuck replay).
     *
     * @param receiverStatus {@code streaming} while connected to its primary ({@code pg_stat_wal_receiver})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Recovery(String receiveLsn, String replayLsn, Long replayLagBytes, Double replayLagSeconds,
                           Boolean replayPaused, String receiverStatus) {
    }

    /**
     * {@code pg_stat_statements} over the last interval.
     *
     * @param available  whether the extension is loaded and created in this database
     * @param note       why slow statements are not watched (the extension is missing), or that the first poll has
     *                   nothing to compare with yet
     * @param statements the slowest statements by mean time since the previous poll with at least
     *                   {@code health.slow-query-calls} calls, slowest first
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SlowQueries(boolean available, String note, List<Statement> statements) {
    }

    /**
     * One statement's calls and time since the previous poll.
     *
     * @param queryId pg_stat_statements' queryid (its text is the same for every call)
     * @param query   its normalised text, only with {@code health.show-queries}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Statement(String queryId, long calls, double meanMillis, double totalMillis, String query) {
    }

    /** The database closest to transaction-ID wraparound and its {@code age(datfrozenxid)}. */
    public record XidAge(String database, long age) {
    }
}
