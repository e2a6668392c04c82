package dev.lifeboat.alert;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgBackupService;
import dev.lifeboat.postgres.health.PgHealthReport;
import dev.lifeboat.postgres.health.PgHealthWatch;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.LogCapture;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.logging.Level;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PostgreSQL health watch against a real server ({@code max_connections=20}, 3 reserved for superusers): each
 * situation made on the server reaches a real webhook through the alert lifecycle and outbox, shows in status and
 * metrics, and resolves when it ends. Sessions' query text never leaves the server.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PgHealthAlertTest {
    /** Upper bound for waiting only, so that a broken build fails instead of hanging; never an assertion on speed. */
    private static final Duration GIVE_UP = Duration.ofSeconds(60);
    private static final String SECRET = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

    @Inject
    ActiveConfig active;

    @Inject
    PgHealthWatch watch;

    @Inject
    AlertService alerts;

    @Inject
    PgBackupService backups;

    private PostgresServer pg;
    private Receiver receiver;
    private Path base;

    @BeforeAll
    void start() throws Exception {
        pg = PostgresServer.startWith("max_connections=20", "superuser_reserved_connections=3");
        pg.createDatabase("app");
        pg.sql("postgres", "CREATE ROLE plain LOGIN");
        receiver = new Receiver();
        receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
        base = Files.createTempDirectory("lifeboat-pg-health");
        String yaml = """
                destinations: {local: {url: "file://%1$s/replica"}}
                databases:
                  app:
                    type: postgres
                    url: "%2$s"
                    destination: local
                    health: {interval: 200ms, long-transaction: 1s, idle-in-transaction: 1s, slot-retained: 1MB}
                  plain:
                    type: postgres
                    url: "postgres://plain@127.0.0.1:%3$d/app"
                    destination: local
                    health: {interval: 200ms}
                alerts:
                  for: 0s
                  state-dir: %1$s/alerts
                  sinks:
                    hook: {type: webhook, url: "%4$s"}
                """.formatted(base, pg.url("app"), pg.port(), receiver.url("/hook"));
        LifeboatConfig config = TestConfigs.parse(yaml);
        active.install(TestConfigs.write(base, yaml), config);
        watch.start(config);
    }

    @AfterAll
    void stop() {
        watch.stop();
        Path defaults = ConfigLoader.resolvePath(null);
        active.install(defaults, new ConfigLoader().load(defaults));
        if (receiver != null) {
            receiver.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    private PgHealthReport await(String db, String what, Predicate<PgHealthReport> until) throws InterruptedException {
        Await.until(what + " (last report: " + watch.report(db).orElse(null) + ")", GIVE_UP,
                () -> watch.report(db).filter(PgHealthReport::ok).filter(until).isPresent());
        return watch.report(db).orElseThrow();
    }

    /** Evaluates and delivers once, then returns every webhook body received so far. */
    private List<String> evaluateAndDeliver() {
        alerts.evaluate();
        alerts.deliver();
        return receiver.requests().stream().map(LoggedRequest::getBodyAsString).toList();
    }

    private static boolean has(List<String> bodies, String key, String status) {
        return bodies.stream().anyMatch(b -> b.contains("\"key\":\"" + key + "\"") && b.contains("\"status\":\"" + status + "\""));
    }

    @Test
    void connectionsAt85PercentOfTheUsableSlotsFireAndResolveWhenTheyClose() throws Exception {
        PgHealthReport before = await("app", "a first report", r -> true);
        assertTrue(before.connections().usable() == 17 && before.connections().max() == 20, before.toString());
        int wanted = (int) Math.ceil(0.85 * 17);
        List<Connection> held = new ArrayList<>();
        try {
            // Other watches' connections count too: open until the server holds 85 % of the usable slots.
            while (held.size() + before.connections().total() < wanted) {
                Connection c = pg.connect("app");
                c.createStatement().execute("SET application_name = 'web'");
                held.add(c);
            }
            PgHealthReport busy = await("app", "85 % in use", r -> r.connections().usedPercent() >= 85);
            assertTrue(busy.connections().top().get(0).application().equals("web"), busy.connections().top().toString());
            List<String> bodies = evaluateAndDeliver();
            assertTrue(has(bodies, "pg-connections/app", "firing"), "pg-connections fires: " + bodies);
            String firing = bodies.stream().filter(b -> b.contains("pg-connections/app")).findFirst().orElseThrow();
            assertTrue(firing.contains("of 17 usable connections") && firing.contains("web@127.0.0.1"), firing);
            given().get("/q/metrics").then().body(containsString("lifeboat_pg_connections_max{database=\"app\"} 20.0"));
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        await("app", "the sessions closed", r -> r.connections().usedPercent() < 80);
        List<String> bodies = evaluateAndDeliver();
        assertTrue(has(bodies, "pg-connections/app", "resolved"), "pg-connections resolves: " + bodies);
    }

    @Test
    void aTransactionHeldOpenFiresBothTransactionRulesAndItsSecretLiteralAppearsNowhere() throws Exception {
        try (LogCapture log = LogCapture.of(PgHealthWatch.class); LogCapture alertLog = LogCapture.of(AlertService.class);
             Connection c = pg.connect("app")) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT '" + SECRET + "' AS api_key");
            }
            int pid;
            try (Statement st = c.createStatement(); var rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            PgHealthReport r = await("app", "the transaction idle for over 1s",
                    x -> x.oldestIdleInTransaction() != null && x.oldestIdleInTransaction().seconds() > 1.2
                            && x.oldestTransaction() != null && x.oldestTransaction().seconds() > 1.2);
            assertTrue(r.oldestIdleInTransaction().pid() == pid, r.toString());
            List<String> bodies = evaluateAndDeliver();
            assertTrue(has(bodies, "pg-long-transaction/app", "firing"), "pg-long-transaction fires: " + bodies);
            assertTrue(has(bodies, "pg-idle-in-transaction/app", "firing"), "pg-idle-in-transaction fires: " + bodies);
            String idle = bodies.stream().filter(b -> b.contains("pg-idle-in-transaction/app")).findFirst().orElseThrow();
            assertTrue(idle.contains("pid " + pid) && idle.contains("user postgres") && idle.contains("wait event Client:ClientRead"), idle);

            for (String body : bodies) {
                assertFalse(body.contains(SECRET), "no query literal in a notification: " + body);
            }
            String status = given().get("/api/v1/status").then().statusCode(200)
                    .body("databases.app.health.oldestIdleInTransaction.pid", equalTo(pid)).extract().asString();
            assertFalse(status.contains(SECRET), "no query literal in status");
            given().get("/api/v1/alerts").then().body(not(containsString(SECRET)));
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertFalse(metrics.contains(SECRET), "no query literal in metrics");
            assertTrue(metrics.contains("lifeboat_pg_longest_transaction_seconds{database=\"app\"}"), "longest transaction gauge");
            assertTrue(log.lines(Level.ALL, SECRET).isEmpty() && alertLog.lines(Level.ALL, SECRET).isEmpty(), "no query literal in logs");
            c.rollback();
        }
        await("app", "the transaction ended", r -> r.oldestIdleInTransaction() == null);
        List<String> bodies = evaluateAndDeliver();
        assertTrue(has(bodies, "pg-idle-in-transaction/app", "resolved") && has(bodies, "pg-long-transaction/app", "resolved"), bodies.toString());
    }

    @Test
    void anInactiveSlotRetainingWalFiresPgSlotRetained() throws Exception {
        pg.sql("app", "SELECT pg_create_physical_replication_slot('forgotten', true)",
                "CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) g",
                "SELECT pg_switch_wal()", "INSERT INTO filler SELECT g, repeat('y', 200) FROM generate_series(1, 20000) g",
                "SELECT pg_switch_wal()");
        try {
            PgHealthReport r = await("app", "the slot retaining over 1MB", x -> x.slots().stream()
                    .anyMatch(s -> s.name().equals("forgotten") && !s.active() && s.retainedBytes() != null && s.retainedBytes() > 1_000_000));
            List<String> bodies = evaluateAndDeliver();
            assertTrue(has(bodies, "pg-slot-retained/app", "firing"), "pg-slot-retained fires: " + bodies + " " + r);
            assertTrue(bodies.stream().anyMatch(b -> b.contains("pg_drop_replication_slot('forgotten')")), bodies.toString());
            given().get("/q/metrics").then().body(containsString("lifeboat_pg_slot_retained_bytes{database=\"app\",slot=\"forgotten\"}"));
        } finally {
            pg.sql("app", "SELECT pg_drop_replication_slot('forgotten')", "DROP TABLE filler");
        }
        await("app", "the slot dropped", x -> x.slots().isEmpty());
        assertTrue(has(evaluateAndDeliver(), "pg-slot-retained/app", "resolved"), "pg-slot-retained resolves");
    }

    @Test
    void aRoleWithoutPgMonitorGetsOneClearMessageNamingTheGrant() throws Exception {
        PgHealthReport r = await("plain", "a report of the unprivileged role", x -> x.permission() != null);
        assertTrue(r.permission().contains("GRANT pg_monitor TO plain;"), r.permission());
        assertTrue(r.connections().total() >= 2, "connection counts are still read: " + r.connections());
        given().get("/api/v1/status").then().statusCode(200)
                .body("databases.plain.health.permission", containsString("GRANT pg_monitor TO plain;"))
                .body("databases.plain.health.error", equalTo(null))
                .body(not(containsString("\tat ")));
        pg.sql("postgres", "GRANT pg_monitor TO plain");
        try {
            PgHealthReport granted = await("plain", "the grant seen", x -> x.permission() == null);
            assertTrue(granted.walBytes() == null || granted.walBytes() >= 0, granted.toString());
            await("plain", "pg_wal's size read once privileged", x -> x.walBytes() != null && x.walBytes() > 0);
        } finally {
            pg.sql("postgres", "REVOKE pg_monitor FROM plain");
        }
    }

    /** The pids of the watch's sessions as role postgres (the app database's watch). */
    private List<Integer> watchPids() throws Exception {
        List<Integer> pids = new ArrayList<>();
        try (Connection c = pg.connect("postgres"); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT pid FROM pg_stat_activity WHERE application_name = 'lifeboat-health' AND usename = 'postgres'")) {
            while (rs.next()) {
                pids.add(rs.getInt(1));
            }
        }
        return pids;
    }

    @Test
    void theWatchPollsOnOneHeldConnectionAndReconnectsWhenItBreaks() throws Exception {
        PgHealthReport first = await("app", "a first report", x -> true);
        List<Integer> pids = watchPids();
        assertTrue(pids.size() == 1, "one connection for the app database's watch: " + pids);
        await("app", "three more polls", x -> x.checkedAt().isAfter(first.checkedAt().plusMillis(600)));
        assertTrue(watchPids().equals(pids), "the same connection after more polls: " + pids + " then " + watchPids());

        pg.sql("postgres", "SELECT pg_terminate_backend(" + pids.get(0) + ")");
        java.time.Instant killed = java.time.Instant.now();
        await("app", "a good poll after the connection was killed", x -> x.checkedAt().isAfter(killed));
        List<Integer> again = watchPids();
        assertTrue(again.size() == 1 && !again.equals(pids), "one new connection: " + pids + " then " + again);
    }

    /** A backup holds two connections of its own; meanwhile the watch holds none, so the agent never holds more than two. */
    @Test
    void theWatchLetsItsConnectionGoWhileABackupRuns() throws Exception {
        await("app", "a first report", x -> true);
        assertEquals(1, watchPids().size(), "the watch's connection");
        assertTrue(backups.state("app").tryStart(), "no backup was running");
        try {
            java.time.Instant deadline = java.time.Instant.now().plusSeconds(30);
            while (!watchPids().isEmpty() && java.time.Instant.now().isBefore(deadline)) {
                Thread.sleep(50);
            }
            assertEquals(List.of(), watchPids(), "no watch connection while the backup runs");
        } finally {
            backups.state("app").finished();
        }
        java.time.Instant over = java.time.Instant.now();
        await("app", "a poll after the backup", x -> x.checkedAt().isAfter(over));
        assertEquals(1, watchPids().size(), "the watch connects again");
    }

    @Test
    void healthMetricsAreValidPrometheusText() throws Exception {
        await("app", "a first report", x -> true);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("lifeboat_pg_connections{database=\"app\",state=\"active\"}"), "connection gauges present");
        assertTrue(metrics.contains("lifeboat_pg_xid_age{database=\"app\"}"), "xid age gauge present");
        Path file = Files.createTempFile(base, "metrics", ".txt");
        Files.writeString(file, metrics);
        // promtool (Debian package prometheus, installed by bin/test) is the reference checker of the exposition format.
        String out = ExternalProcess.run(List.of("sh", "-c",
                "promtool check metrics < " + file + " 2>&1 | grep -v -e 'counter metrics should have' -e 'no help text' || true"), Duration.ofSeconds(30));
        assertTrue(!out.toLowerCase().contains("error") && !out.contains("lifeboat_pg"), "promtool: " + out);
    }
}
