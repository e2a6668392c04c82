package dev.lifeboat.jobs;

import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.FaultProxy;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * For {@link JobsApiTest}: PostgreSQL reached through a {@link FaultProxy} (the test holds or slows pg_dump's stream
 * there), with {@code shop} (~6 MiB of incompressible rows, dumped uncompressed) and {@code rls} (pg_dump fails on
 * its row-level security, as in {@code PgFailureEnvironment}); S3Proxy; a SQLite database replicated to a
 * {@code file:} destination; a volume; and an API token.
 */
public class JobsEnvironment implements QuarkusTestResourceLifecycleManager {
    static final String TOKEN = "jobs-token-never-shown";
    static final String PASSWORD = "rls-password-never-shown";
    static PostgresServer pg;
    static FaultProxy pgProxy;
    static S3ProxyServer s3;
    static Path dir;
    static Path configFile;
    static String yaml;

    @Override
    public Map<String, String> start() {
        try {
            pg = PostgresServer.start();
            pgProxy = FaultProxy.tcp("127.0.0.1", pg.port());
            s3 = S3ProxyServer.start();
            s3.createBucket("jobs");
            psql("postgres", "CREATE DATABASE shop");
            psql("shop", "CREATE TABLE a_data (id int, payload bytea)",
                    "INSERT INTO a_data SELECT g, decode(string_agg(md5(random()::text || h), ''), 'hex') "
                            + "FROM generate_series(1, 1500) g, generate_series(1, 256) h GROUP BY g",
                    "CREATE TABLE b_secret (id int, owner text)",
                    "INSERT INTO b_secret VALUES (1, 'someone')",
                    "ALTER TABLE b_secret ENABLE ROW LEVEL SECURITY",
                    "CREATE POLICY only_own ON b_secret USING (owner = current_user)",
                    "CREATE ROLE dumper LOGIN PASSWORD '" + PASSWORD + "'",
                    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO dumper");
            dir = Files.createTempDirectory("lifeboat-jobs-");
            Path notes = dir.resolve("notes.db");
            ExternalProcess.run(List.of("sqlite3", notes.toString(), "PRAGMA journal_mode=WAL; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                    + " INSERT INTO notes (body) VALUES ('a'), ('b'), ('c');"), Duration.ofSeconds(30));
            Files.createDirectories(dir.resolve("volume"));
            String proxied = "127.0.0.1:" + pgProxy.port();
            yaml = "destinations:\n" + s3.destinationYaml("main", "jobs", "agent") + "    part-size: 5MiB\n"
                    + "  local: { url: 'file://" + dir.resolve("replica") + "' }\n"
                    + "databases:\n"
                    + "  shop: { type: postgres, url: 'postgres://postgres@" + proxied + "/shop', destination: main, compression: none, schedule: 24h }\n"
                    + "  rls: { type: postgres, url: 'postgres://dumper:" + PASSWORD + "@" + proxied + "/shop', destination: main, compression: none,"
                    + " schedule: '0 0 1 1 *' }\n"
                    + "  notes:\n    type: sqlite\n    path: " + notes + "\n    destination: local\n    sync-interval: 100ms\n"
                    + "    drill:\n      scratch-dir: " + dir.resolve("scratch") + "\n"
                    + "      checks:\n        three-notes: { query: 'select count(*) >= 3 from notes', expect: '== 1' }\n"
                    + "volumes:\n  data: { path: " + dir.resolve("volume") + " }\n"
                    + "http:\n  api-token: " + TOKEN + "\n";
            configFile = TestConfigs.write(dir, yaml);
            System.setProperty("lifeboat.config", configFile.toString());
            return Map.of();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void psql(String db, String... statements) {
        List<String> command = new ArrayList<>(List.of("psql", "-v", "ON_ERROR_STOP=1", "-q", pg.url(db)));
        for (String s : statements) {
            command.add("-c");
            command.add(s);
        }
        ExternalProcess.run(command, Duration.ofMinutes(2));
    }

    @Override
    public void stop() {
        System.clearProperty("lifeboat.config");
        if (pgProxy != null) {
            pgProxy.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (pg != null) {
            pg.close();
        }
    }
}
