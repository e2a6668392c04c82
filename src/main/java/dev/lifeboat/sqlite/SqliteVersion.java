package dev.lifeboat.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The SQLite library bundled with Lifeboat (through sqlite-jdbc) and whether a given SQLite version carries the
 * WAL-reset bug: a checkpoint in one connection racing a writer in another can lose committed transactions or
 * corrupt the database. Affected: 3.7.0 up to 3.51.2; fixed in 3.51.3 and in the backports 3.50.7 and 3.44.6.
 * Lifeboat checkpoints the app's database from its own process while the app writes, which is exactly that race,
 * so the bundled library must be outside the range (a test fails the build otherwise), and so must the app's.
 */
public final class SqliteVersion {
    private static volatile String bundled;

    private SqliteVersion() {
    }

    /** The version of the bundled SQLite library, e.g. {@code 3.54.1} (asked of SQLite itself, once). */
    public static String bundled() {
        String v = bundled;
        if (v == null) {
            try (Connection c = new org.sqlite.JDBC().connect("jdbc:sqlite::memory:", new java.util.Properties());
                    Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select sqlite_version()")) {
                rs.next();
                v = rs.getString(1);
            } catch (SQLException e) {
                return "unknown (" + e.getMessage() + ")";
            }
            bundled = v;
        }
        return v;
    }

    /** True when {@code version} ({@code major.minor.patch}) is in the range of the WAL-reset bug. */
    public static boolean hasWalResetBug(String version) {
        int[] v = parse(version);
        if (compare(v, 3, 7, 0) < 0 || compare(v, 3, 51, 3) >= 0) {
            return false;
        }
        boolean backport = (v[0] == 3 && v[1] == 50 && v[2] >= 7) || (v[0] == 3 && v[1] == 44 && v[2] >= 6);
        return !backport;
    }

    private static int[] parse(String version) {
        String[] parts = version.trim().split("\\.");
        int[] v = new int[3];
        try {
            for (int i = 0; i < 3 && i < parts.length; i++) {
                v[i] = Integer.parseInt(parts[i]);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a SQLite version: '" + version + "'");
        }
        return v;
    }

    private static int compare(int[] v, int major, int minor, int patch) {
        int c = Integer.compare(v[0], major);
        c = c != 0 ? c : Integer.compare(v[1], minor);
        return c != 0 ? c : Integer.compare(v[2], patch);
    }
}
