package dev.lifeboat.sqlite;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;

/** A real SQLite database used as "the application" in tests: a table of numbered rows with payloads. */
final class TestDb implements AutoCloseable {
    final Path path;
    final Connection conn;

    TestDb(Path path) throws SQLException {
        this.path = path;
        this.conn = SqliteFiles.open(path);
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, payload BLOB)");
        }
    }

    /** Inserts rows {@code from..to-1} in one transaction, each with {@code payloadBytes} of deterministic data. */
    void insert(int from, int to, int payloadBytes) throws SQLException {
        conn.setAutoCommit(false);
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO t (id, payload) VALUES (?, ?)")) {
            for (int i = from; i < to; i++) {
                ps.setInt(1, i);
                ps.setBytes(2, payload(i, payloadBytes));
                ps.addBatch();
            }
            ps.executeBatch();
            conn.commit();
        } finally {
            conn.setAutoCommit(true);
        }
    }

    void exec(String sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        }
    }

    static byte[] payload(int i, int n) {
        byte[] b = new byte[n];
        long x = i * 0x9E3779B97F4A7C15L;
        for (int k = 0; k < n; k++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[k] = (byte) x;
        }
        return b;
    }

    /** Row count and a digest of every row of {@code t} in id order. */
    static String fingerprint(Path db) throws Exception {
        try (Connection c = SqliteFiles.open(db)) {
            return fingerprint(c);
        }
    }

    static String fingerprint(Connection c) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        int n = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, payload FROM t ORDER BY id")) {
            while (rs.next()) {
                md.update(Integer.toString(rs.getInt(1)).getBytes());
                byte[] p = rs.getBytes(2);
                if (p != null) {
                    md.update(p);
                }
                n++;
            }
        }
        return n + ":" + HexFormat.of().formatHex(md.digest()).substring(0, 16);
    }

    static int maxId(Path db) throws SQLException {
        try (Connection c = SqliteFiles.open(db);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(id), -1) FROM t")) {
            return rs.getInt(1);
        }
    }

    String fingerprint() throws Exception {
        return fingerprint(conn);
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
