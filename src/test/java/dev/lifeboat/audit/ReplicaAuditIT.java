package dev.lifeboat.audit;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.LifeboatBinary;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Never silently green, end to end with the packaged agent, a real S3Proxy, PostgreSQL and webhook receiver: replicas
 * are made to vanish behind the agent's back (as a bucket lifecycle rule or a mistaken delete does), and the agent
 * must say so (alert, status, readiness, {@code lifeboat verify}) and repair what it can.
 */
class ReplicaAuditIT {
    final List<Process> started = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();
    WireMockServer receiver;
    S3ProxyServer s3;
    PostgresServer pg;

    @AfterEach
    void stopAll() {
        started.forEach(ExternalProcess::stop);
        if (receiver != null) {
            receiver.stop();
        }
        if (s3 != null) {
            s3.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    private Process launch(Path dir, int port, String... args) throws IOException {
        return launch(dir, port, dir.resolve("out-" + System.nanoTime() + ".log"), args);
    }

    private Process launch(Path dir, int port, Path log, String... args) throws IOException {
        Process p = LifeboatBinary.start(dir, log, port, Map.of(), args);
        started.add(p);
        return p;
    }

    /** Runs a short CLI command to its end; returns its exit code and output. */
    private Result cli(Path dir, String... args) throws Exception {
        Path log = dir.resolve("cli-" + System.nanoTime() + ".log");
        Process p = launch(dir, ExternalProcess.freePort(), log, args);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "lifeboat " + String.join(" ", args) + " did not finish");
        return new Result(p.exitValue(), Files.readString(log));
    }

    record Result(int exit, String output) {
    }

    private void startReceiver() {
        receiver = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(10).jettyAcceptors(1));
        receiver.start();
        receiver.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
    }

    private List<String> notifications() {
        return receiver.findAll(anyRequestedFor(anyUrl())).stream().map(LoggedRequest::getBodyAsString).toList();
    }

    private boolean notified(String key, String status) {
        return notifications().stream().anyMatch(b -> b.contains("\"key\":\"" + key + "\"") && b.contains("\"status\":\"" + status + "\""));
    }

    private String alertsYaml(Path dir) {
        return """
                alerts:
                  for: 0s
                  evaluate-interval: 1s
                  state-dir: %s
                  sinks:
                    hook: {type: webhook, url: "http://127.0.0.1:%d/hook", min-severity: info}
                """.formatted(dir.resolve("state"), receiver.port());
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, timeout, condition);
    }

    private HttpResponse<String> get(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private String body(int port, String path) {
        HttpResponse<String> r = get(port, path);
        return r == null ? "" : r.body();
    }

    private int statusCode(int port, String path) {
        HttpResponse<String> r = get(port, path);
        return r == null ? -1 : r.statusCode();
    }

    /** True when the metrics show a restorable point for {@code db}. */
    private boolean restorable(int port, String db) {
        return body(port, "/q/metrics").lines().anyMatch(l -> l.startsWith("lifeboat_restorable_timestamp_seconds{database=\"" + db + "\"")
                && !l.endsWith("NaN"));
    }

    private static void insert(Path db, int from, int to) throws Exception {
        try (Connection c = new org.sqlite.JDBC().connect("jdbc:sqlite:" + db, new java.util.Properties()); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, note TEXT)");
            for (int i = from; i < to; i++) {
                s.execute("INSERT INTO t (id, note) VALUES (" + i + ", 'row " + i + "')");
            }
        }
    }

    private static long rows(Path db) throws Exception {
        try (Connection c = new org.sqlite.JDBC().connect("jdbc:sqlite:" + db, new java.util.Properties()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(root)).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void aWipedSqliteReplicaOnS3AndOnFileIsReportedRepairedAndRestoresEveryRow() throws Exception {
        startReceiver();
        s3 = S3ProxyServer.start();
        s3.createBucket("audit");
        Path dir = Files.createTempDirectory("lifeboat-audit-it-");
        Path config = dir.resolve("lifeboat.yml");
        Files.writeString(config, "destinations:\n" + s3.destinationYaml("s3", "audit", "agent")
                + "  local: {url: \"file://" + dir.resolve("replica") + "\"}\n"
                + "databases:\n"
                + "  on-s3: {type: sqlite, path: " + dir.resolve("s3.db") + ", destination: s3, audit-interval: 1s}\n"
                + "  on-file: {type: sqlite, path: " + dir.resolve("file.db") + ", destination: local, audit-interval: 1s}\n"
                + alertsYaml(dir));
        insert(dir.resolve("s3.db"), 0, 100);
        insert(dir.resolve("file.db"), 0, 100);
        int port = ExternalProcess.freePort();
        Process agent = launch(dir, port, "agent", "--config", config.toString());
        await("both replicas audited restorable", Duration.ofSeconds(120),
                () -> !agent.isAlive() || (restorable(port, "on-s3") && restorable(port, "on-file")));
        assertTrue(agent.isAlive(), "agent exited");

        deleteTree(s3.dataDir().resolve("audit/agent/on-s3"));
        deleteTree(dir.resolve("replica/on-file"));
        insert(dir.resolve("s3.db"), 100, 200);
        insert(dir.resolve("file.db"), 100, 200);

        await("replica-damaged fired for both", Duration.ofSeconds(60),
                () -> notified("replica-damaged/on-s3", "firing") && notified("replica-damaged/on-file", "firing"));
        String firing = notifications().stream().filter(b -> b.contains("replica-damaged/on-s3")).findFirst().orElseThrow();
        assertTrue(firing.contains("snapshots"), "the alert names what is missing: " + firing);
        await("replica-damaged resolved for both (a new generation)", Duration.ofSeconds(60),
                () -> notified("replica-damaged/on-s3", "resolved") && notified("replica-damaged/on-file", "resolved"));
        insert(dir.resolve("s3.db"), 200, 250);
        insert(dir.resolve("file.db"), 200, 250);
        ExternalProcess.stop(agent); // graceful: a final sync ships the last rows

        for (String db : List.of("on-s3", "on-file")) {
            Path out = dir.resolve("restored-" + db + ".db");
            Result restore = cli(dir, "restore", db, "-o", out.toString(), "--config", config.toString());
            assertEquals(0, restore.exit(), restore.output());
            assertEquals(250, rows(out), db + ": every committed row, including those written after the wipe");
            Result verify = cli(dir, "verify", db, "--deep", "--config", config.toString());
            assertEquals(0, verify.exit(), verify.output());
        }
    }

    @Test
    void aLostPostgresDumpIsNamedAlertedShownAndReplacedByAFreshBackup() throws Exception {
        startReceiver();
        s3 = S3ProxyServer.start();
        s3.createBucket("audit");
        pg = PostgresServer.start();
        pg.createDatabase("shop");
        pg.sql("shop", "CREATE TABLE orders (id int primary key, item text)", "INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 500) g");
        Path dir = Files.createTempDirectory("lifeboat-audit-it-");
        Path config = dir.resolve("lifeboat.yml");
        Files.writeString(config, "destinations:\n" + s3.destinationYaml("s3", "audit", "agent")
                + "databases:\n"
                + "  shop: {type: postgres, url: \"" + pg.url("shop") + "\", destination: s3, schedule: 1h, audit-interval: 1s}\n"
                + alertsYaml(dir));
        int port = ExternalProcess.freePort();
        Process agent = launch(dir, port, "agent", "--config", config.toString());
        await("the first backup audited restorable", Duration.ofSeconds(120), () -> !agent.isAlive() || restorable(port, "shop"));
        assertTrue(agent.isAlive(), "agent exited");
        assertEquals(0, cli(dir, "verify", "shop", "--config", config.toString()).exit());

        Path data;
        try (Stream<Path> files = Files.walk(s3.dataDir().resolve("audit/agent/shop/data"))) {
            data = files.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        // While the database refuses connections the repair (a backup out of schedule) fails: the damage stays visible.
        pg.sql("postgres", "ALTER DATABASE shop ALLOW_CONNECTIONS false");
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(data) / 2);
        }
        Result truncated = cli(dir, "verify", "shop", "--config", config.toString());
        assertEquals(1, truncated.exit(), truncated.output());
        assertTrue(truncated.output().contains("recorded"), "a truncated dump is caught by its size: " + truncated.output());

        Files.delete(data);
        Result verify = cli(dir, "verify", "shop", "--config", config.toString());
        assertEquals(1, verify.exit(), verify.output());
        String relative = s3.dataDir().resolve("audit/agent/shop").relativize(data).toString();
        assertTrue(verify.output().contains(relative + ": missing"), "verify names the lost object: " + verify.output());
        Result list = cli(dir, "list", "shop", "--config", config.toString());
        assertEquals(0, list.exit(), list.output());
        assertTrue(list.output().contains("DAMAGED"), "list marks the damaged backup: " + list.output());

        await("replica-damaged fired", Duration.ofSeconds(60), () -> notified("replica-damaged/shop", "firing"));
        await("readiness down", Duration.ofSeconds(30), () -> statusCode(port, "/q/health/ready") == 503);
        assertTrue(body(port, "/api/v1/status").contains("\"restorable\":false"), body(port, "/api/v1/status"));

        pg.sql("postgres", "ALTER DATABASE shop ALLOW_CONNECTIONS true");
        await("a fresh backup makes it restorable again", Duration.ofSeconds(120), () -> notified("replica-damaged/shop", "resolved"));
        await("readiness up", Duration.ofSeconds(30), () -> statusCode(port, "/q/health/ready") == 200);
        assertEquals(0, cli(dir, "verify", "shop", "--deep", "--config", config.toString()).exit());
    }
}
