package dev.lifeboat.postgres.health;

import dev.lifeboat.postgres.PgConnectionBudget;
import dev.lifeboat.postgres.PgUrl;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Reads a server's health figures with one short query batch per poll, on one connection it holds between polls
 * (the watch counts against the agent's connection budget: nothing is opened per poll). A broken connection is
 * dropped and the next poll connects again. Every statement runs under {@code statement_timeout}, and the socket
 * has a timeout a little longer, so a hung server fails a poll instead of blocking the watch.
 *
 * <p>Needs {@code pg_monitor} (or superuser) to see other roles' sessions and the size of pg_wal. Without it the
 * poll still reads what every role may read (connection counts, limits, slots, datfrozenxid) and
 * {@link PgHealthReport#permission()} names the GRANT to add. Query text is selected only with
 * {@code showQueries}: otherwise it never leaves the server.
 */
public final class PgHealthProbe implements AutoCloseable {
    /** {@code application_name} of the watch's connection, so people see what it is. */
    public static final String APPLICATION_NAME = "lifeboat-health";

    private final String database;
    private final PgUrl url;
    private final Duration statementTimeout;
    private final boolean showQueries;
    private final int slowQueryCalls;
    private final SlowStatements slow = new SlowStatements();
    /** The schema of pg_stat_statements when the previous poll found it usable (loaded and created), else null. */
    private String statementsSchema;
    private Connection connection;
    /** Whether the last poll found the role a superuser or a member of pg_monitor (then pg_wal's size is read). */
    private boolean privileged;

    /** @param slowQueryCalls fewest calls in an interval for a statement to be listed ({@code health.slow-query-calls}) */
    public PgHealthProbe(String database, PgUrl url, Duration statementTimeout, boolean showQueries, int slowQueryCalls) {
        this.slowQueryCalls = slowQueryCalls;
        this.database = database;
        this.url = url;
        this.statementTimeout = statementTimeout;
        this.showQueries = showQueries;
    }

    /** Gives the held connection back when a backup or drill needs it (see {@link PgConnectionBudget}). */
    private final Runnable yieldConnection = this::close;
    /** Whether this probe holds one of the agent's connections to the server. */
    private boolean holding;
    /** SQLSTATE of the last poll's failure (null: it succeeded, or failed without one). */
    private String lastSqlState;
    /** Connections this probe has tried to open, refused ones included. */
    private long connectAttempts;

    /** SQLSTATE {@code 53300}: the server has no connection slot left ("sorry, too many clients already"). */
    public static final String TOO_MANY_CONNECTIONS = "53300";

    /**
     * One poll; never throws: a failure is the report's {@code error} (password redacted). Null, polling nothing, when
     * the agent's connections to the server are all in use (a backup or drill runs): the last figures stand.
     */
    public synchronized PgHealthReport poll() {
        Instant at = Instant.now();
        long start = System.nanoTime();
        if (!holding) {
            if (!PgConnectionBudget.tryHold(url, yieldConnection)) {
                return null;
            }
            holding = true;
        }
        try {
            if (connection == null || connection.isClosed()) {
                connect();
                privileged = false;
            }
            PgHealthReport report = read(at, start);
            lastSqlState = null;
            return report;
        } catch (SQLException | RuntimeException e) {
            lastSqlState = e instanceof SQLException sql ? sql.getSQLState() : null;
            close();
            String message = e instanceof SQLException ? String.valueOf(e.getMessage()) : e.toString();
            return PgHealthReport.failed(database, at, millisSince(start),
                    "cannot read health figures from " + url + ": " + url.redact(message));
        }
    }

    /** True when the last poll failed because the server refused the connection for want of slots (SQLSTATE 53300). */
    public synchronized boolean refusedForTooManyConnections() {
        return TOO_MANY_CONNECTIONS.equals(lastSqlState);
    }

    /** Connections this probe has tried to open so far, refused ones included. */
    public synchronized long connectAttempts() {
        return connectAttempts;
    }

    private void connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("ApplicationName", APPLICATION_NAME);
        long timeoutSeconds = Math.max(1, (statementTimeout.toMillis() + 999) / 1000);
        props.setProperty("connectTimeout", Long.toString(timeoutSeconds + 5));
        props.setProperty("socketTimeout", Long.toString(timeoutSeconds + 10));
        connectAttempts++;
        Connection c = url.connect(props);
        try (Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = " + Math.max(1, statementTimeout.toMillis()));
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        connection = c;
    }

    /** What a role without pg_monitor misses, and the GRANT that fixes it. */
    static String missingPgMonitor(String role) {
        return "role " + role + " lacks pg_monitor, so other roles' sessions (their states and transactions) and the size of pg_wal "
                + "are hidden from the health watch; as a superuser run: GRANT pg_monitor TO " + quoteIdentifier(role) + ";";
    }

    /** The statements of one poll; the size of pg_wal only when the previous poll found the role privileged. */
    private String batch(boolean readWal, String statementsIn) {
        String query = showQueries ? "query" : "NULL::text";
        String session = "SELECT pid, usename, application_name, host(client_addr), %s, state, wait_event_type, wait_event, " + query
                + " FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND %s ORDER BY %s LIMIT 1";
        // Without pg_monitor, backend_type (and state) of other roles' sessions read as NULL: count those with a user.
        String clients = "(backend_type = 'client backend' OR backend_type IS NULL AND usesysid IS NOT NULL)";
        List<String> statements = new ArrayList<>(List.of(
                "SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR pg_has_role(current_user, 'pg_monitor', 'MEMBER')",
                "SELECT coalesce(state, ''), count(*) FROM pg_stat_activity WHERE " + clients + " GROUP BY 1",
                "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int, pg_is_in_recovery()",
                "SELECT coalesce(nullif(application_name, ''), '-'), coalesce(host(client_addr), 'local'), count(*) FROM pg_stat_activity"
                        + " WHERE " + clients + " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 3",
                session.formatted("extract(epoch FROM now() - xact_start)", "xact_start IS NOT NULL AND state <> 'idle'", "xact_start"),
                session.formatted("extract(epoch FROM now() - state_change)", "state LIKE 'idle in transaction%'", "state_change"),
                "SELECT slot_name, slot_type, active, CASE WHEN restart_lsn IS NULL THEN NULL"
                        + " WHEN pg_is_in_recovery() THEN pg_wal_lsn_diff(pg_last_wal_replay_lsn(), restart_lsn)"
                        + " ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) END::bigint, wal_status FROM pg_replication_slots ORDER BY 1",
                "SELECT datname, age(datfrozenxid) FROM pg_database ORDER BY 2 DESC, 1 LIMIT 1",
                // Functions that only work on one side are guarded by pg_is_in_recovery() (CASE evaluates the branch taken).
                "SELECT application_name, state, host(client_addr), extract(epoch FROM write_lag), extract(epoch FROM flush_lag),"
                        + " extract(epoch FROM replay_lag), " + lagBytes("write_lsn") + ", " + lagBytes("flush_lsn") + ", " + lagBytes("replay_lsn")
                        + " FROM pg_stat_replication ORDER BY 1",
                "SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text,"
                        + " pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint,"
                        + " CASE WHEN NOT pg_is_in_recovery() THEN NULL"
                        + " WHEN pg_last_wal_receive_lsn() IS NOT NULL AND pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() THEN 0"
                        + " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END,"
                        + " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END,"
                        + " (SELECT status FROM pg_stat_wal_receiver LIMIT 1)",
                "SELECT (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'),"
                        // pg_settings hides this setting from roles without pg_read_all_settings (part of pg_monitor): NULL then.
                        + " (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') ~ 'pg_stat_statements'"));
        if (readWal) {
            statements.add("SELECT coalesce(sum(size), 0)::bigint FROM pg_ls_waldir()");
        }
        if (statementsIn != null) {
            // Only counters (and text with show-queries) of this database's statements; the deltas are computed here.
            statements.add("SELECT userid::bigint, queryid, calls, total_exec_time, " + (showQueries ? "query" : "NULL::text") + " FROM "
                    + quoteIdentifier(statementsIn) + ".pg_stat_statements WHERE queryid IS NOT NULL"
                    + " AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())");
        }
        return String.join(";\n", statements);
    }

    private static String lagBytes(String column) {
        return "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), " + column + ")::bigint END";
    }

    /** Runs the batch (one round trip: the driver sends every statement before waiting) and reads its results in order. */
    private PgHealthReport read(Instant at, long start) throws SQLException {
        boolean readWal = privileged;
        String readStatements = statementsSchema;
        try (Statement st = connection.createStatement()) {
            boolean hasResult = st.execute(batch(readWal, readStatements));
            Results r = new Results(st, hasResult);
            String permission;
            try (ResultSet rs = r.next()) {
                rs.next();
                privileged = rs.getBoolean(2);
                permission = privileged ? null : missingPgMonitor(rs.getString(1));
            }
            int active = 0, idle = 0, idleInTx = 0, other = 0;
            try (ResultSet rs = r.next()) {
                while (rs.next()) {
                    int n = rs.getInt(2);
                    switch (rs.getString(1)) {
                        case "active" -> active += n;
                        case "idle" -> idle += n;
                        case "idle in transaction", "idle in transaction (aborted)" -> idleInTx += n;
                        default -> other += n;
                    }
                }
            }
            int max, reserved;
            boolean recovery;
            try (ResultSet rs = r.next()) {
                rs.next();
                max = rs.getInt(1);
                reserved = rs.getInt(2);
                recovery = rs.getBoolean(3);
            }
            List<PgHealthReport.ClientGroup> top = new ArrayList<>();
            try (ResultSet rs = r.next()) {
                while (rs.next()) {
                    top.add(new PgHealthReport.ClientGroup(rs.getString(1), rs.getString(2), rs.getInt(3)));
                }
            }
            PgHealthReport.Session oldest = session(r.next());
            PgHealthReport.Session idleTx = session(r.next());
            List<PgHealthReport.Slot> slots = new ArrayList<>();
            try (ResultSet rs = r.next()) {
                while (rs.next()) {
                    long retained = rs.getLong(4);
                    slots.add(new PgHealthReport.Slot(rs.getString(1), rs.getString(2), rs.getBoolean(3),
                            rs.wasNull() ? null : retained, rs.getString(5)));
                }
            }
            PgHealthReport.XidAge xid;
            try (ResultSet rs = r.next()) {
                xid = rs.next() ? new PgHealthReport.XidAge(rs.getString(1), rs.getLong(2)) : null;
            }
            List<PgHealthReport.Standby> standbys = new ArrayList<>();
            try (ResultSet rs = r.next()) {
                while (rs.next()) {
                    standbys.add(new PgHealthReport.Standby(rs.getString(1), rs.getString(2), rs.getString(3), decimal(rs, 4),
                            decimal(rs, 5), decimal(rs, 6), whole(rs, 7), whole(rs, 8), whole(rs, 9)));
                }
            }
            PgHealthReport.Recovery replay = null;
            try (ResultSet rs = r.next()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    boolean paused = rs.getBoolean(6);
                    Boolean pausedOrUnknown = rs.wasNull() ? null : paused;
                    replay = new PgHealthReport.Recovery(rs.getString(2), rs.getString(3), whole(rs, 4), decimal(rs, 5),
                            pausedOrUnknown, rs.getString(7));
                }
            }
            String schema;
            Boolean preloaded;
            try (ResultSet rs = r.next()) {
                rs.next();
                schema = rs.getString(1);
                boolean loaded = rs.getBoolean(2);
                preloaded = rs.wasNull() ? null : loaded;
            }
            Long wal = null;
            if (readWal) {
                try (ResultSet rs = r.next()) {
                    rs.next();
                    wal = rs.getLong(1);
                }
            }
            PgHealthReport.SlowQueries slowQueries;
            if (readStatements != null) {
                List<SlowStatements.Reading> readings = new ArrayList<>();
                try (ResultSet rs = r.next()) {
                    while (rs.next()) {
                        readings.add(new SlowStatements.Reading(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getDouble(4), rs.getString(5)));
                    }
                }
                List<PgHealthReport.Statement> slowest = slow.next(readings, slowQueryCalls);
                slowQueries = new PgHealthReport.SlowQueries(true, slowest == null
                        ? "the first reading of pg_stat_statements: statements are listed from the next poll" : null, slowest);
            } else {
                slow.reset();
                slowQueries = new PgHealthReport.SlowQueries(false, schema == null
                        ? "pg_stat_statements is not installed in this database, so slow statements are not watched (add it to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements)"
                        : preloaded == null ? "pg_stat_statements is created, but this role cannot see whether it is loaded (grant pg_monitor)"
                        : preloaded ? "pg_stat_statements was just found: statements are read from the next poll"
                        : "pg_stat_statements is created but not loaded: add it to shared_preload_libraries and restart the server", null);
            }
            statementsSchema = schema != null && Boolean.TRUE.equals(preloaded) ? schema : null;
            int total = active + idle + idleInTx + other;
            int usable = Math.max(1, max - reserved);
            var connections = new PgHealthReport.Connections(active, idle, idleInTx, other, total, max, reserved, usable,
                    Math.round(total * 1000.0 / usable) / 10.0, List.copyOf(top));
            return new PgHealthReport(database, at, millisSince(start), null, permission, recovery, connections, oldest, idleTx,
                    List.copyOf(slots), xid, wal, List.copyOf(standbys), replay, slowQueries);
        }
    }

    private PgHealthReport.Session session(ResultSet rs) throws SQLException {
        try (rs) {
            if (!rs.next()) {
                return null;
            }
            String waitType = rs.getString(7);
            String wait = rs.getString(8);
            return new PgHealthReport.Session(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(6),
                    Math.round(rs.getDouble(5) * 1000) / 1000.0, wait == null ? null : waitType + ":" + wait,
                    showQueries ? rs.getString(9) : null);
        }
    }

    private static Double decimal(ResultSet rs, int column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : Math.round(v * 1000) / 1000.0;
    }

    private static Long whole(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    /** The result sets of a multi-statement execute, in order. */
    private record Results(Statement statement, boolean[] first) {
        Results(Statement statement, boolean hasResult) {
            this(statement, new boolean[]{hasResult});
        }

        ResultSet next() throws SQLException {
            boolean has = first[0];
            first[0] = false;
            if (!has) {
                has = statement.getMoreResults();
            }
            while (!has && statement.getUpdateCount() != -1) {
                has = statement.getMoreResults();
            }
            if (!has) {
                throw new SQLException("the health query batch returned fewer results than expected");
            }
            return statement.getResultSet();
        }
    }

    private static double millisSince(long start) {
        return Math.round((System.nanoTime() - start) / 10_000.0) / 100.0;
    }

    static String quoteIdentifier(String name) {
        return name.matches("[a-z_][a-z0-9_]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** Closes the held connection (the next poll connects again). */
    @Override
    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the server is gone already
            }
            connection = null;
        }
        if (holding) {
            holding = false;
            PgConnectionBudget.giveBack(url, yieldConnection);
        }
    }
}
