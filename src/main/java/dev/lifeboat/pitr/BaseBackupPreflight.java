package dev.lifeboat.pitr;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.postgres.PgUrl;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * What a base backup needs of the server, asked in one short connection before pg_basebackup starts, each refusal a
 * message saying what to change: the REPLICATION privilege, {@code wal_level} replica or logical, a free WAL sender,
 * and no tablespace besides the default ones ({@code pg_basebackup -D -} writes exactly one tablespace to stdout).
 */
final class BaseBackupPreflight {
    /** The server as the backup records it. */
    record Server(String version, String systemIdentifier, List<String> tablespaces, long walSegmentSize) {
    }

    private BaseBackupPreflight() {
    }

    static Server check(String database, PgUrl url) throws IOException {
        String key = "databases." + database + ".pitr";
        try (Connection c = url.connect(new Properties()); Statement st = c.createStatement()) {
            String version;
            String systemId;
            String walLevel;
            int senders;
            boolean replication;
            long segmentSize;
            try (ResultSet rs = st.executeQuery("SELECT current_setting('server_version'), (SELECT system_identifier FROM pg_control_system())::text, "
                    + "current_setting('wal_level'), current_setting('max_wal_senders')::int, "
                    + "(SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user), current_user, "
                    + "(SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')")) {
                rs.next();
                version = rs.getString(1).split(" ")[0];
                systemId = rs.getString(2);
                walLevel = rs.getString(3);
                senders = rs.getInt(4);
                replication = rs.getBoolean(5);
                segmentSize = rs.getLong(7);
                if (!replication) {
                    throw new UserFacingException(key + ": role " + rs.getString(6) + " lacks the REPLICATION privilege that base backups need",
                            "on the server: ALTER ROLE " + rs.getString(6) + " REPLICATION (and allow it in pg_hba.conf for replication connections)");
                }
            }
            if (walLevel.equals("minimal")) {
                throw new UserFacingException(key + ": the server's wal_level is minimal; base backups and WAL archiving need replica",
                        "set wal_level = replica in postgresql.conf and restart the server");
            }
            if (senders < 1) {
                throw new UserFacingException(key + ": the server's max_wal_senders is 0; a base backup needs one WAL sender (the archiver another)",
                        "set max_wal_senders = 10 in postgresql.conf and restart the server");
            }
            List<String> names = new ArrayList<>();
            List<String> extra = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT spcname, pg_tablespace_location(oid) FROM pg_tablespace ORDER BY spcname")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                    if (rs.getString(2) != null && !rs.getString(2).isEmpty()) {
                        extra.add(rs.getString(1) + " (" + rs.getString(2) + ")");
                    }
                }
            }
            if (!extra.isEmpty()) {
                throw new UserFacingException(key + ": the server has tablespace(s) outside the data directory: " + String.join(", ", extra)
                        + "; Lifeboat streams base backups with pg_basebackup -Ft -D -, which writes a single tablespace",
                        "move their objects to pg_default (ALTER TABLE ... SET TABLESPACE pg_default, ALTER DATABASE ... SET TABLESPACE) "
                                + "and drop the tablespaces, or set pitr.enabled: false for this database");
            }
            return new Server(version, systemId, names, segmentSize);
        } catch (SQLException e) {
            throw new IOException("cannot check " + url + " before the base backup: " + url.redact(String.valueOf(e.getMessage())), e);
        }
    }
}
