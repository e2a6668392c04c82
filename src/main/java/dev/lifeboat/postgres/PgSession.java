package dev.lifeboat.postgres;

import dev.lifeboat.catalog.Manifest;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's own connection to a database — the only one it opens besides pg_dump's or pg_restore's. It reads
 * the server version and table statistics and holds the single-flight advisory lock for as long as it is open.
 *
 * <p>Single flight uses a session-level PostgreSQL advisory lock rather than an S3 lease: the database itself
 * arbitrates between agents whatever their destinations, and a killed agent's lock disappears with its
 * connection, so there is no stale lease to expire. (It needs a direct or session-pooled connection: a
 * transaction-pooling PgBouncer would not keep a session lock.)
 */
public final class PgSession implements AutoCloseable {
    /** Advisory lock key for backups: "LIFEBOAT" in ASCII. Advisory locks are per database, so one key suffices. */
    public static final long BACKUP_LOCK_KEY = 0x4C49464542_4F4154L;

    private final Connection connection;
    private final PgUrl url;

    private PgSession(Connection connection, PgUrl url) {
        this.connection = connection;
        this.url = url;
    }

    /** Connects; the message names the server (never the password) and the driver's reason. */
    public static PgSession open(PgUrl url) throws IOException {
        try {
            return new PgSession(url.connect(new java.util.Properties()), url);
        } catch (SQLException e) {
            throw new IOException("cannot connect to " + url + ": " + url.redact(String.valueOf(e.getMessage())), e);
        }
    }

    /** {@code server_version}, e.g. {@code 15.18} (distribution suffixes removed). */
    public String serverVersion() throws IOException {
        String v = single("SHOW server_version");
        return v.split("[ (]")[0];
    }

    /** Tries to take the backup lock without waiting; true when this session now holds it. */
    public boolean tryBackupLock() throws IOException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_try_advisory_lock(" + BACKUP_LOCK_KEY + ")")) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException e) {
            throw failure("advisory lock", e);
        }
    }

    /**
     * Row counts of user tables from the planner statistics ({@code pg_class.reltuples}, set by ANALYZE/VACUUM and
     * autovacuum; {@code pg_stat_user_tables.n_live_tup} for tables never analyzed): free to read, approximate —
     * exact after ANALYZE of a small quiet table, within a few percent otherwise. Only the tables pg_dump dumps
     * with this {@code selection} are listed (extensions' own tables are not dumped either).
     */
    public List<Manifest.TableRows> estimatedRowCounts(PgSelection selection) throws IOException {
        List<String> params = new ArrayList<>();
        String sql = """
                SELECT n.nspname, c.relname,
                       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE COALESCE(s.n_live_tup, -1) END
                FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
                WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                  AND d.deptype = 'e')
                  AND (""" + selection.sqlCondition(params) + ") ORDER BY 1, 2";
        List<Manifest.TableRows> out = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                st.setString(i + 1, params.get(i));
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new Manifest.TableRows(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
        } catch (SQLException e) {
            throw failure("read table statistics", e);
        }
        return out;
    }

    /**
     * Starts a read-only repeatable-read transaction and exports its snapshot for {@code pg_dump --snapshot}: what
     * this session reads until it closes is exactly what pg_dump dumps. The session-level advisory lock is unaffected.
     */
    public String exportSnapshot() throws IOException {
        try {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
        } catch (SQLException e) {
            throw failure("start a snapshot", e);
        }
        return single("SELECT pg_catalog.pg_export_snapshot()");
    }

    /** Asks the server to cancel the query this session is running, if any (from another thread). */
    public void cancelQuery() {
        try {
            connection.unwrap(org.postgresql.PGConnection.class).cancelQuery();
        } catch (SQLException e) {
            // nothing running, or the server is gone: either way nothing to stop
        }
    }

    /** {@code count(*)} of each table, in this session's snapshot (see {@link #exportSnapshot()}). */
    public List<Manifest.TableRows> exactRowCounts(List<Manifest.TableRows> tables) throws IOException {
        List<Manifest.TableRows> out = new ArrayList<>();
        for (Manifest.TableRows t : tables) {
            String name = quoteIdentifier(t.schema()) + "." + quoteIdentifier(t.table());
            out.add(new Manifest.TableRows(t.schema(), t.table(), Long.parseLong(single("SELECT count(*) FROM " + name))));
        }
        return out;
    }

    /** True when the database holds no user objects: no tables, views, sequences, functions, types or large objects. */
    public boolean isEmpty() throws IOException {
        String sql = """
                SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
                          AND n.nspname NOT LIKE 'pg_temp%')
                     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))
                     + (SELECT count(*) FROM pg_largeobject_metadata)
                     + (SELECT count(*) FROM pg_namespace WHERE nspname NOT IN ('public', 'pg_catalog', 'information_schema')
                        AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%')""";
        return "0".equals(single(sql));
    }

    /** True when a database of this name exists on the server. */
    public boolean databaseExists(String name) throws IOException {
        try (PreparedStatement st = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw failure("look up database " + name, e);
        }
    }

    /** CREATE DATABASE from template0 (a clean copy, whatever template1 holds). */
    public void createDatabase(String name) throws IOException {
        execute("CREATE DATABASE " + quoteIdentifier(name) + " TEMPLATE template0");
    }

    /** DROP DATABASE (used to undo a database this restore created and could not fill). */
    public void dropDatabase(String name) throws IOException {
        execute("DROP DATABASE IF EXISTS " + quoteIdentifier(name));
    }

    static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private void execute(String sql) throws IOException {
        try (Statement st = connection.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw failure(sql.split(" ")[0].toLowerCase() + " " + sql.split(" ")[1].toLowerCase(), e);
        }
    }

    private String single(String sql) throws IOException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw failure("query", e);
        }
    }

    private IOException failure(String action, SQLException e) {
        return new IOException("PostgreSQL " + action + " failed on " + url + ": " + url.redact(String.valueOf(e.getMessage())), e);
    }

    /** Closing the connection also releases the advisory lock. */
    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the server is gone: so is the lock
        }
    }
}
