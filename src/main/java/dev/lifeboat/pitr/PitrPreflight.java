package dev.lifeboat.pitr;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the server must allow before WAL can be archived over replication: the role's REPLICATION privilege,
 * {@code wal_level} at least {@code replica}, a free walsender and (when the slot is still to be created) a free
 * replication slot. Each problem says what to change on the server and names the database's {@code pitr} key.
 * Runs on the archiver's own connection; only when the server refuses that one does the archiver open a plain
 * connection, briefly, to find out why.
 */
public final class PitrPreflight {
    private PitrPreflight() {
    }

    /**
     * The problems found on {@code c}, empty when archiving can go ahead. {@code ownWalsender} says whether
     * {@code c} is itself a walsender (then it occupies one of {@code max_wal_senders} already).
     */
    public static List<String> check(Connection c, String database, String slot, boolean ownWalsender) throws SQLException {
        String key = "databases." + database + ".pitr";
        List<String> problems = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("""
                SELECT current_user, (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user),
                       current_setting('wal_level'), current_setting('max_wal_senders')::int,
                       (SELECT count(*) FROM pg_stat_replication)::int,
                       current_setting('max_replication_slots')::int, (SELECT count(*) FROM pg_replication_slots)::int,
                       EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)""")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                String role = rs.getString(1);
                if (!rs.getBoolean(2)) {
                    problems.add("role " + role + " lacks the REPLICATION privilege; on the server run ALTER ROLE \"" + role
                            + "\" REPLICATION (or connect " + key + " as a role that has it)");
                }
                String walLevel = rs.getString(3);
                if ("minimal".equals(walLevel)) {
                    problems.add("wal_level is minimal on the server; set wal_level = replica in postgresql.conf and restart the server ("
                            + key + " streams WAL over replication)");
                }
                int maxSenders = rs.getInt(4);
                int senders = rs.getInt(5) - (ownWalsender ? 1 : 0);
                if (senders >= maxSenders) {
                    problems.add("max_wal_senders is " + maxSenders + " and " + senders + " in use; raise max_wal_senders on the server"
                            + " (postgresql.conf, then restart) so " + key + " gets one");
                }
                int maxSlots = rs.getInt(6);
                if (!rs.getBoolean(8) && rs.getInt(7) >= maxSlots) {
                    problems.add("max_replication_slots is " + maxSlots + " and all are taken; raise max_replication_slots on the server"
                            + " (postgresql.conf, then restart) so " + key + " can create slot " + slot);
                }
            }
        }
        return problems;
    }
}
