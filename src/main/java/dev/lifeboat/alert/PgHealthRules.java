package dev.lifeboat.alert;

import dev.lifeboat.postgres.health.PgHealthReport;
import dev.lifeboat.runtime.Human;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The PostgreSQL health rules, over one {@link PgHealthReport}: {@code pg-connections}, {@code pg-long-transaction},
 * {@code pg-idle-in-transaction}, {@code pg-slot-retained}, {@code pg-wraparound} and {@code pg-slow-queries}. The subject is the database's
 * name under {@code databases:}. Sessions are described by pid, user, application, client, duration and wait event;
 * their query text only when the report carries it ({@code health.show-queries}).
 */
public final class PgHealthRules {
    public static final String CONNECTIONS = "pg-connections";
    public static final String LONG_TRANSACTION = "pg-long-transaction";
    public static final String IDLE_IN_TRANSACTION = "pg-idle-in-transaction";
    public static final String SLOT_RETAINED = "pg-slot-retained";
    public static final String WRAPAROUND = "pg-wraparound";
    public static final String SLOW_QUERIES = "pg-slow-queries";

    private PgHealthRules() {
    }

    /** Warning at {@code warnPercent} of the usable slots, critical at {@code criticalPercent}; names the top clients. */
    public static Condition connections(String db, PgHealthReport.Connections c, double warnPercent, double criticalPercent) {
        boolean critical = c.usedPercent() >= criticalPercent;
        boolean firing = c.usedPercent() >= warnPercent;
        String top = c.top().stream().map(g -> g.application() + "@" + g.client() + " x" + g.count()).collect(Collectors.joining(", "));
        String summary = String.format(Locale.ROOT, "postgres %s: %d of %d usable connections in use (%.0f%%; warning at %.0f%%, critical at %.0f%%;"
                        + " max_connections %d, %d reserved for superusers)%s", db, c.total(), c.usable(), c.usedPercent(), warnPercent,
                criticalPercent, c.max(), c.superuserReserved(), top.isEmpty() ? "" : "; most connections: " + top)
                + (firing ? "; new connections fail once the usable slots are gone: add a pooler (PgBouncer) or close idle sessions" : "");
        Map<String, String> values = new LinkedHashMap<>();
        values.put("used", Integer.toString(c.total()));
        values.put("usable", Integer.toString(c.usable()));
        values.put("usedPercent", Double.toString(c.usedPercent()));
        values.put("maxConnections", Integer.toString(c.max()));
        values.put("active", Integer.toString(c.active()));
        values.put("idle", Integer.toString(c.idle()));
        values.put("idleInTransaction", Integer.toString(c.idleInTransaction()));
        values.put("top", top);
        return new Condition(CONNECTIONS, db, critical ? Severity.CRITICAL : Severity.WARNING, firing, summary, Map.of("database", db), values);
    }

    /**
     * The server refused the health watch's connection with SQLSTATE 53300 (no connection slot left): critical, as
     * backups and drills cannot connect either. Resolved by the next report that reads the figures again.
     */
    public static Condition connectionsRefused(String db, java.time.Instant since, int attempts, java.time.Instant retryAt, String error) {
        String summary = "postgres " + db + ": the server refuses new connections: too many connections (SQLSTATE 53300), " + attempts
                + " attempt(s) in a row since " + since + "; the agent backs off (next attempt at " + retryAt + ") and backups and drills"
                + " cannot connect either: close idle sessions, add a pooler (PgBouncer) or raise max_connections (" + error + ")";
        Map<String, String> values = new LinkedHashMap<>();
        values.put("sqlState", "53300");
        values.put("attempts", Integer.toString(attempts));
        values.put("since", since.toString());
        values.put("retryAt", retryAt.toString());
        return new Condition(CONNECTIONS, db, Severity.CRITICAL, true, summary, Map.of("database", db), values);
    }

    /** The oldest transaction of a non-idle client backend (null: none open) is older than {@code limit}. */
    public static Condition longTransaction(String db, PgHealthReport.Session oldest, Duration limit) {
        boolean firing = oldest != null && oldest.seconds() > seconds(limit);
        String summary = oldest == null ? "postgres " + db + ": no transaction open"
                : "postgres " + db + ": the oldest transaction has been open for " + age(oldest) + " (limit " + Human.duration(limit) + "): "
                + describe(oldest) + (firing ? "; it holds back vacuum and may hold locks: end it with SELECT pg_terminate_backend(" + oldest.pid() + ")" : "");
        return new Condition(LONG_TRANSACTION, db, Severity.WARNING, firing, summary, Map.of("database", db), values(oldest, limit));
    }

    /** The longest idle-in-transaction session (null: none) has been idle for longer than {@code limit}. */
    public static Condition idleInTransaction(String db, PgHealthReport.Session idle, Duration limit) {
        boolean firing = idle != null && idle.seconds() > seconds(limit);
        String summary = idle == null ? "postgres " + db + ": no session idle in a transaction"
                : "postgres " + db + ": a session has been idle in a transaction for " + age(idle) + " (limit " + Human.duration(limit) + "): "
                + describe(idle) + (firing ? "; an application forgot to commit or roll back; set idle_in_transaction_session_timeout or end it with SELECT pg_terminate_backend(" + idle.pid() + ")" : "");
        return new Condition(IDLE_IN_TRANSACTION, db, Severity.WARNING, firing, summary, Map.of("database", db), values(idle, limit));
    }

    /** An inactive replication slot keeps more than {@code limitBytes} of WAL. */
    public static Condition slotRetained(String db, List<PgHealthReport.Slot> slots, long limitBytes) {
        List<PgHealthReport.Slot> over = slots.stream()
                .filter(s -> !s.active() && s.retainedBytes() != null && s.retainedBytes() > limitBytes).toList();
        String summary = over.isEmpty()
                ? "postgres " + db + ": no inactive replication slot retains more than " + Human.bytes(limitBytes) + " of WAL"
                : "postgres " + db + ": inactive replication slot(s) " + over.stream().map(s -> s.name() + " (" + Human.bytes(s.retainedBytes()) + ")")
                .collect(Collectors.joining(", ")) + " retain WAL beyond the limit of " + Human.bytes(limitBytes)
                + "; the WAL grows until the volume is full: reconnect the consumer or drop the slot with SELECT pg_drop_replication_slot('"
                + over.get(0).name() + "')";
        Map<String, String> values = new LinkedHashMap<>();
        values.put("limitBytes", Long.toString(limitBytes));
        over.forEach(s -> values.put("slot." + s.name(), Long.toString(s.retainedBytes())));
        return new Condition(SLOT_RETAINED, db, Severity.WARNING, !over.isEmpty(), summary, Map.of("database", db), values);
    }

    /** {@code age(datfrozenxid)} of the oldest database passes {@code limit}. */
    public static Condition wraparound(String db, PgHealthReport.XidAge xid, long limit) {
        boolean firing = xid.age() > limit;
        String summary = String.format(Locale.ROOT, "postgres %s: database %s is %,d transactions from its last freeze (limit %,d; the server stops"
                + " accepting writes near 2,147,483,647)%s", db, xid.database(), xid.age(), limit,
                firing ? "; run VACUUM (FREEZE) on it and find what blocks autovacuum (long transactions, inactive slots)" : "");
        return new Condition(WRAPAROUND, db, Severity.CRITICAL, firing, summary, Map.of("database", db),
                Map.of("xidAge", Long.toString(xid.age()), "oldestDatabase", xid.database(), "limit", Long.toString(limit)));
    }

    /**
     * A statement's mean time over the last interval exceeds {@code limit} with at least {@code minCalls} calls there
     * ({@code statements} lists only statements with that many calls, slowest first).
     */
    public static Condition slowQueries(String db, List<PgHealthReport.Statement> statements, Duration limit, int minCalls) {
        double limitMillis = limit.toNanos() / 1e6;
        List<PgHealthReport.Statement> slow = statements.stream().filter(s -> s.calls() >= minCalls && s.meanMillis() > limitMillis).toList();
        String summary = slow.isEmpty()
                ? "postgres " + db + ": no statement with " + minCalls + "+ calls averaged over " + Human.duration(limit) + " in the last interval"
                : "postgres " + db + ": " + slow.size() + " statement(s) averaged over " + Human.duration(limit) + " in the last interval: "
                + slow.stream().map(s -> String.format(Locale.ROOT, "queryid %s %.1fms mean over %d calls%s", s.queryId(), s.meanMillis(), s.calls(),
                        s.query() == null ? "" : " (" + (s.query().length() > 120 ? s.query().substring(0, 120) + "..." : s.query()) + ")"))
                .collect(Collectors.joining("; "))
                + "; look them up with SELECT query FROM pg_stat_statements WHERE queryid = ...";
        Map<String, String> values = new LinkedHashMap<>();
        values.put("limit", limit.toString());
        values.put("minCalls", Integer.toString(minCalls));
        slow.forEach(s -> values.put("queryid." + s.queryId(), s.meanMillis() + "ms x" + s.calls()));
        return new Condition(SLOW_QUERIES, db, Severity.WARNING, !slow.isEmpty(), summary, Map.of("database", db), values);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static String age(PgHealthReport.Session s) {
        return Human.duration(Duration.ofMillis(Math.round(s.seconds() * 1000)));
    }

    /** pid, user, application, client and wait event; the query only when the report holds it (show-queries). */
    static String describe(PgHealthReport.Session s) {
        StringBuilder sb = new StringBuilder("pid ").append(s.pid()).append(", user ").append(s.user())
                .append(", application ").append(s.application() == null || s.application().isEmpty() ? "-" : s.application())
                .append(", client ").append(s.client() == null ? "local" : s.client())
                .append(", state ").append(s.state())
                .append(", wait event ").append(s.waitEvent() == null ? "none" : s.waitEvent());
        if (s.query() != null) {
            sb.append(", query: ").append(s.query().length() > 200 ? s.query().substring(0, 200) + "..." : s.query());
        }
        return sb.toString();
    }

    private static Map<String, String> values(PgHealthReport.Session s, Duration limit) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("limit", limit.toString());
        if (s != null) {
            values.put("pid", Integer.toString(s.pid()));
            values.put("user", String.valueOf(s.user()));
            values.put("application", String.valueOf(s.application()));
            values.put("seconds", Double.toString(s.seconds()));
            values.put("waitEvent", String.valueOf(s.waitEvent()));
        }
        return values;
    }
}
