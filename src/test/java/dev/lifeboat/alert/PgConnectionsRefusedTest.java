package dev.lifeboat.alert;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.health.PgHealthProbe;
import dev.lifeboat.postgres.health.PgHealthReport;
import dev.lifeboat.postgres.health.PgHealthWatch;
import dev.lifeboat.testing.Await;
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
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real server started with {@code max_connections=6} and no superuser reserve, its slots taken by the test's own
 * sessions: the health watch, refused with SQLSTATE 53300, backs off (health.interval doubling up to
 * retry-max-backoff) instead of asking every interval, {@code pg-connections} fires critical naming the cause, and it
 * resolves once the sessions close and the watch reads the server again.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PgConnectionsRefusedTest {
    /** Upper bound for waiting only, so that a broken build fails instead of hanging; never an assertion on speed. */
    private static final Duration GIVE_UP = Duration.ofSeconds(60);
    private static final Duration INTERVAL = Duration.ofMillis(200);
    /** The fixed window over which the watch's refused attempts are counted. */
    private static final Duration WINDOW = Duration.ofSeconds(4);

    @Inject
    ActiveConfig active;

    @Inject
    PgHealthWatch watch;

    @Inject
    AlertService alerts;

    private PostgresServer pg;
    private Receiver receiver;

    @BeforeAll
    void start() throws Exception {
        pg = PostgresServer.startWith("max_connections=6", "superuser_reserved_connections=0");
        pg.createDatabase("app");
        receiver = new Receiver();
        receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
        Path base = Files.createTempDirectory("lifeboat-pg-refused");
        String yaml = """
                destinations: {local: {url: "file://%1$s/replica"}}
                databases:
                  app:
                    type: postgres
                    url: "%2$s"
                    destination: local
                    retry-backoff: 1s
                    retry-max-backoff: 1s
                    health: {interval: %3$dms}
                alerts:
                  for: 0s
                  state-dir: %1$s/alerts
                  sinks:
                    hook: {type: webhook, url: "%4$s"}
                """.formatted(base, pg.url("app"), INTERVAL.toMillis(), receiver.url("/hook"));
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

    private List<String> evaluateAndDeliver() {
        alerts.evaluate();
        alerts.deliver();
        return receiver.requests().stream().map(LoggedRequest::getBodyAsString).toList();
    }

    private static boolean has(List<String> bodies, String key, String status) {
        return bodies.stream().anyMatch(b -> b.contains("\"key\":\"" + key + "\"") && b.contains("\"status\":\"" + status + "\""));
    }

    /** Opens a session, or returns null when the server refuses it for want of slots. */
    private Connection tryOpen() throws SQLException {
        try {
            return pg.connect("app");
        } catch (SQLException e) {
            if (PgHealthProbe.TOO_MANY_CONNECTIONS.equals(e.getSQLState())) {
                return null;
            }
            throw e;
        }
    }

    @Test
    void aServerOutOfSlotsIsAskedWithBackoffAndFiresPgConnectionsUntilSlotsFreeUp() throws Exception {
        Await.until("a first report", GIVE_UP, () -> watch.report("app").filter(PgHealthReport::ok).isPresent());
        List<Connection> held = new ArrayList<>();
        try {
            for (Connection c = tryOpen(); c != null; c = tryOpen()) {
                held.add(c);
            }
            assertTrue(!held.isEmpty() && held.size() < 6, "the test holds every slot but the watch's: " + held.size());
            // End the watch's session and take its slot before the watch connects again (it may win: then once more).
            long giveUp = System.nanoTime() + GIVE_UP.toNanos();
            while (watch.refused("app").isEmpty()) {
                assertTrue(System.nanoTime() < giveUp, "the watch refused (last report: " + watch.report("app").orElse(null) + ")");
                try (Statement st = held.get(0).createStatement()) {
                    st.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = '"
                            + PgHealthProbe.APPLICATION_NAME + "'");
                }
                Connection c = tryOpen();
                if (c != null) {
                    held.add(c);
                }
                Thread.sleep(3 * INTERVAL.toMillis());
            }

            List<String> bodies = evaluateAndDeliver();
            assertTrue(has(bodies, "pg-connections/app", "firing"), "pg-connections fires: " + bodies);
            String firing = bodies.stream().filter(b -> b.contains("pg-connections/app") && b.contains("\"status\":\"firing\"")).findFirst().orElseThrow();
            assertTrue(firing.contains("too many connections (SQLSTATE 53300)") && firing.contains("critical"), firing);

            // No storm: over a fixed window the watch asks far less often than its interval would.
            PgHealthWatch.Refused first = watch.refused("app").orElseThrow();
            Thread.sleep(WINDOW.toMillis());
            PgHealthWatch.Refused last = watch.refused("app").orElseThrow();
            assertEquals(first.since(), last.since(), "refused all along");
            int attempts = last.attempts() - first.attempts();
            long everyInterval = WINDOW.toMillis() / INTERVAL.toMillis();
            assertTrue(attempts >= 1, "the watch keeps trying: " + attempts);
            assertTrue(attempts <= everyInterval / 2, attempts + " attempts in " + WINDOW + ", polling every interval makes " + everyInterval);
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        Await.until("the watch reads the server again", GIVE_UP, () -> watch.report("app").filter(PgHealthReport::ok).isPresent());
        assertTrue(watch.refused("app").isEmpty(), "no refusal once connected");
        List<String> bodies = evaluateAndDeliver();
        assertTrue(has(bodies, "pg-connections/app", "resolved"), "pg-connections resolves: " + bodies);
    }
}
