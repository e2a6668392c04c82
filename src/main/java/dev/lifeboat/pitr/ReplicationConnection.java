package dev.lifeboat.pitr;

import dev.lifeboat.postgres.PgUrl;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyDual;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

/**
 * The archiver's one connection to the server: a walsender in database mode ({@code replication=database}), which
 * runs both replication commands and plain SQL (the preflight and the slot query), so the archiver needs no second
 * connection. A walsender takes one of {@code max_wal_senders}, not a {@code max_connections} slot (PostgreSQL 12+).
 */
final class ReplicationConnection implements AutoCloseable {
    private final Connection connection;

    private ReplicationConnection(Connection connection) {
        this.connection = connection;
    }

    static ReplicationConnection open(PgUrl url, Duration connectTimeout) throws SQLException {
        Properties p = new Properties();
        p.setProperty("replication", "database");
        p.setProperty("assumeMinServerVersion", "10");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("ApplicationName", "lifeboat-wal");
        p.setProperty("connectTimeout", Long.toString(Math.max(1, connectTimeout.toSeconds())));
        p.setProperty("tcpKeepAlive", "true");
        return new ReplicationConnection(url.connect(p));
    }

    /** The plain JDBC connection, for SQL (the preflight). */
    Connection sql() {
        return connection;
    }

    /** {@code wal_segment_size} in bytes. */
    long walSegmentSize() throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT setting::bigint * CASE unit WHEN 'B' THEN 1 WHEN 'kB' THEN 1024 WHEN 'MB' THEN 1048576 ELSE 1 END"
                     + " FROM pg_settings WHERE name = 'wal_segment_size'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** IDENTIFY_SYSTEM: the server's current timeline and WAL flush position. */
    record Identity(String systemId, int timeline, Lsn flushed) {
    }

    Identity identify() throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            rs.next();
            return new Identity(rs.getString(1), rs.getInt(2), Lsn.parse(rs.getString(3)));
        }
    }

    /** A replication slot as pg_replication_slots shows it. */
    record Slot(String type, Lsn restartLsn, boolean active) {
    }

    Optional<Slot> slot(String name) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT slot_type, restart_lsn::text, active FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String restart = rs.getString(2);
                return Optional.of(new Slot(rs.getString(1), restart == null ? null : Lsn.parse(restart), rs.getBoolean(3)));
            }
        }
    }

    /** The server's current WAL position (insert position on a primary, replay position on a standby). */
    Lsn currentLsn() throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text")) {
            rs.next();
            return rs.getString(1) == null ? Lsn.ZERO : Lsn.parse(rs.getString(1));
        }
    }

    /** Creates a physical slot that holds WAL from now on ({@code RESERVE_WAL}). */
    void createSlot(String name) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("CREATE_REPLICATION_SLOT \"" + name + "\" PHYSICAL RESERVE_WAL");
        }
    }

    /** TIMELINE_HISTORY: the history file of {@code timeline} (2 or more), its bytes as the server stores them. */
    byte[] timelineHistory(int timeline) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("TIMELINE_HISTORY " + timeline)) {
            rs.next();
            return rs.getString(2).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** START_REPLICATION on {@code slot} from {@code start} (a segment start) on {@code timeline}. */
    WalStream start(String slot, Lsn start, int timeline) throws SQLException {
        CopyDual copy = connection.unwrap(PGConnection.class).getCopyAPI()
                .copyDual("START_REPLICATION SLOT \"" + slot + "\" PHYSICAL " + start + " TIMELINE " + timeline);
        return new WalStream(copy);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // a broken connection is closed either way
        }
    }
}
