package dev.lifeboat.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway PostgreSQL cluster (initdb + pg_ctl) on a free loopback port with trust authentication and
 * fsync off, stopped and deleted on close. As root, the server runs as the {@code postgres} user (initdb refuses
 * root), so its directory lives under /tmp where that user can reach it.
 *
 * <pre>{@code
 * try (PostgresServer pg = PostgresServer.start()) {
 *     pg.createDatabase("shop");
 *     String url = pg.url("shop");            // postgres://postgres@127.0.0.1:PORT/shop
 * }
 * }</pre>
 */
public final class PostgresServer implements AutoCloseable {
    /** Debian's PostgreSQL 15 server binaries. */
    public static final Path DEBIAN_15 = Path.of("/usr/lib/postgresql/15/bin");

    private final Path binDir;
    private final Path dir;
    private final int port;
    private final boolean asPostgresUser;

    private PostgresServer(Path binDir, Path dir, int port, boolean asPostgresUser) {
        this.binDir = binDir;
        this.dir = dir;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    public static PostgresServer start() {
        return start(DEBIAN_15);
    }

    /** Starts a cluster with extra server settings ({@code "max_connections=20"}), each passed as {@code -c}. */
    public static PostgresServer startWith(String... settings) {
        return start(DEBIAN_15, settings);
    }

    /** Starts a cluster with the server binaries in {@code binDir} (initdb, pg_ctl, postgres) and extra settings. */
    public static PostgresServer start(Path binDir, String... settings) {
        if (!Files.isExecutable(binDir.resolve("initdb"))) {
            throw new IllegalStateException("PostgreSQL server binaries not found in " + binDir + " (apt-get install postgresql-15; bin/test does this)");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-pg-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (root) {
                ExternalProcess.run(List.of("chown", "postgres:postgres", dir.toString()), Duration.ofSeconds(10));
            }
            int port = ExternalProcess.freePort();
            PostgresServer server = new PostgresServer(binDir, dir, port, root);
            server.exec(List.of(binDir.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
                    "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"), Duration.ofSeconds(90));
            server.exec(List.of(binDir.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "60",
                    "-l", dir.resolve("server.log").toString(), "-o",
                    "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                            + java.util.Arrays.stream(settings).map(s -> " -c " + s).collect(java.util.stream.Collectors.joining()),
                    "start"), Duration.ofSeconds(90));
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start PostgreSQL: " + e.getMessage(), e);
        }
    }

    /**
     * A streaming standby of {@code primary}, made with {@code pg_basebackup -R} over a replication connection from
     * 127.0.0.1 (initdb's trust rules allow it); it connects to the primary as {@code application_name}
     * {@code name} (its cluster_name). Close it to stop it, which disconnects it from the primary.
     */
    public static PostgresServer startStandby(PostgresServer primary, String name) {
        boolean root = primary.asPostgresUser;
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-pg-standby-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (root) {
                ExternalProcess.run(List.of("chown", "postgres:postgres", dir.toString()), Duration.ofSeconds(10));
            }
            int port = ExternalProcess.freePort();
            PostgresServer standby = new PostgresServer(primary.binDir, dir, port, root);
            standby.exec(List.of(primary.binDir.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p", Integer.toString(primary.port),
                    "-U", "postgres", "-D", dir.resolve("data").toString(), "-R", "-X", "stream", "--no-sync"), Duration.ofSeconds(120));
            standby.exec(List.of(primary.binDir.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "60",
                    "-l", dir.resolve("server.log").toString(), "-o",
                    "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off -c cluster_name=" + name,
                    "start"), Duration.ofSeconds(90));
            return standby;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a standby: " + e.getMessage(), e);
        }
    }

    /** Promotes this standby to a primary on a new timeline ({@code pg_ctl promote}, waiting until it is done). */
    public void promote() {
        exec(List.of(binDir.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "60", "promote"), Duration.ofSeconds(90));
    }

    private String exec(List<String> command, Duration timeout) {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        return ExternalProcess.run(full, timeout);
    }

    public int port() {
        return port;
    }

    public Path binDir() {
        return binDir;
    }

    /** libpq URL of {@code database} as the superuser {@code postgres} (trust auth: no password). */
    public String url(String database) {
        return "postgres://postgres@127.0.0.1:" + port + "/" + database;
    }

    /** JDBC URL of {@code database}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database));
    }

    public void createDatabase(String name) {
        sql("postgres", "CREATE DATABASE \"" + name + "\"");
    }

    /** Runs statements in {@code database}. */
    public void sql(String database, String... statements) {
        try (Connection c = connect(database); var st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on " + database + ": " + e.getMessage(), e);
        }
    }

    /** Stops the server immediately and deletes its files. */
    @Override
    public void close() {
        try {
            exec(List.of(binDir.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"), Duration.ofSeconds(60));
        } catch (IllegalStateException alreadyStopped) {
            // nothing to stop
        }
        try {
            ExternalProcess.run(List.of("rm", "-rf", dir.toString()), Duration.ofSeconds(60));
        } catch (IllegalStateException ignored) {
            // leave it for the OS's /tmp cleanup
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL on 127.0.0.1:" + port + " (" + dir + ")";
    }
}
