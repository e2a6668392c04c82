package dev.lifeboat.postgres;

import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * For {@link PgBackupFailureTest}: PostgreSQL with a database whose dump fails half-way, S3Proxy with 5 MiB parts
 * (so a dump of a few MiB is a real multipart upload), and a configuration using both.
 */
public class PgFailureEnvironment implements QuarkusTestResourceLifecycleManager {
    static final String PASSWORD = "dumper-password-never-shown";
    static PostgresServer pg;
    static S3ProxyServer s3;
    static Path configFile;

    @Override
    public Map<String, String> start() {
        try {
            pg = PostgresServer.start();
            s3 = S3ProxyServer.start();
            s3.createBucket("backups");
            psql(pg, "postgres", "CREATE DATABASE big");
            // ~8 MiB of incompressible data in a_data, dumped before b_secret, whose row-level security makes
            // pg_dump (as a non-owner with row_security off) fail once it reaches it: a failure mid-stream.
            // psql rather than JDBC here: DriverManager's registry is global, and this runs in Quarkus's class loader.
            psql(pg, "big",
                    "CREATE TABLE a_data (id int, payload bytea)",
                    "INSERT INTO a_data SELECT g, decode(string_agg(md5(random()::text || h), ''), 'hex') "
                            + "FROM generate_series(1, 2000) g, generate_series(1, 256) h GROUP BY g",
                    "CREATE TABLE b_secret (id int, owner text)",
                    "INSERT INTO b_secret VALUES (1, 'someone')",
                    "ALTER TABLE b_secret ENABLE ROW LEVEL SECURITY",
                    "CREATE POLICY only_own ON b_secret USING (owner = current_user)",
                    "CREATE ROLE dumper LOGIN PASSWORD '" + PASSWORD + "'",
                    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO dumper");
            String dest = s3.destinationYaml("main", "backups", "failures") + "    part-size: 5MiB\n";
            String yaml = "destinations:\n" + dest + "databases:\n"
                    + "  big:\n    type: postgres\n    url: " + pg.url("big") + "\n    destination: main\n    compression: none\n"
                    + "  rls:\n    type: postgres\n    url: postgres://dumper:" + PASSWORD + "@127.0.0.1:" + pg.port() + "/big\n"
                    + "    destination: main\n    compression: none\n"
                    // Once a year: when the scheduler test starts the schedules, slow must not run at once. It dumps the
                    // same database as rls, so its advisory lock could make rls's due run a skip instead of a failure.
                    + "  slow:\n    type: postgres\n    url: " + pg.url("big") + "\n    destination: main\n    compression: none\n    timeout: 10s\n"
                    + "    schedule: \"0 0 1 1 *\"\n";
            configFile = TestConfigs.write(Files.createTempDirectory("pgfail"), yaml);
            System.setProperty("lifeboat.config", configFile.toString());
            return Map.of();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void psql(PostgresServer pg, String db, String... statements) {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("psql", "-v", "ON_ERROR_STOP=1", "-q", pg.url(db)));
        for (String s : statements) {
            command.add("-c");
            command.add(s);
        }
        dev.lifeboat.testing.ExternalProcess.run(command, java.time.Duration.ofMinutes(2));
    }

    @Override
    public void stop() {
        System.clearProperty("lifeboat.config");
        if (s3 != null) {
            s3.close();
        }
        if (pg != null) {
            pg.close();
        }
    }
}
