package dev.lifeboat.alert;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.health.PgHealthReport;
import dev.lifeboat.postgres.health.PgHealthWatch;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streaming replication watched from both sides: a real standby made with {@code pg_basebackup -R}; its replay
 * paused while the primary writes fires {@code pg-replication-lag} on the primary's figures and on the standby's own,
 * resuming resolves both, and stopping the standby fires {@code pg-standby-missing}.
 */
@QuarkusTest
class PgReplicationHealthTest {
    /** Upper bound for waiting only, so that a broken build fails instead of hanging; never an assertion on speed. */
    private static final Duration GIVE_UP = Duration.ofSeconds(90);

    @Inject
    ActiveConfig active;

    @Inject
    PgHealthWatch watch;

    @Inject
    AlertService alerts;

    private PgHealthReport await(String db, String what, Predicate<PgHealthReport> until) throws InterruptedException {
        Await.until(what + " (last report of " + db + ": " + watch.report(db).orElse(null) + ")", GIVE_UP,
                () -> watch.report(db).filter(PgHealthReport::ok).filter(until).isPresent());
        return watch.report(db).orElseThrow();
    }

    private static boolean has(List<String> bodies, String key, String status) {
        return bodies.stream().anyMatch(b -> b.contains("\"key\":\"" + key + "\"") && b.contains("\"status\":\"" + status + "\""));
    }

    private static long replayBytes(PgHealthReport r) {
        return r.standbys().stream().filter(s -> s.name().equals("replica1")).findFirst()
                .map(s -> s.replayLagBytes() == null ? -1L : s.replayLagBytes()).orElse(-1L);
    }

    @Test
    void pausedReplayFiresLagOnBothSidesResumingResolvesAndAStoppedStandbyIsMissing() throws Exception {
        Path base = Files.createTempDirectory("lifeboat-pg-replication");
        PostgresServer standby = null;
        try (PostgresServer primary = PostgresServer.start(); Receiver receiver = new Receiver()) {
            receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
            standby = PostgresServer.startStandby(primary, "replica1");
            String health = "{interval: 200ms, expected-standbys: [replica1], replication-lag: {warn: 1h, warn-bytes: 1MB, critical: 2h}}";
            String yaml = """
                    destinations: {local: {url: "file://%1$s/replica"}}
                    databases:
                      primary: {type: postgres, url: "%2$s", destination: local, health: %4$s}
                      standby: {type: postgres, url: "%3$s", destination: local, health: %4$s}
                    alerts:
                      for: 0s
                      state-dir: %1$s/alerts
                      sinks:
                        hook: {type: webhook, url: "%5$s"}
                    """.formatted(base, primary.url("postgres"), standby.url("postgres"), health, receiver.url("/hook"));
            LifeboatConfig config = TestConfigs.parse(yaml);
            active.install(TestConfigs.write(base, yaml), config);
            watch.start(config);

            await("primary", "replica1 streaming", r -> r.standbys().stream().anyMatch(s -> s.name().equals("replica1") && "streaming".equals(s.state())));
            PgHealthReport st = await("standby", "the standby's recovery figures", r -> r.recovery() != null && "streaming".equals(r.recovery().receiverStatus()));
            assertTrue(st.inRecovery(), st.toString());

            standby.sql("postgres", "SELECT pg_wal_replay_pause()");
            primary.sql("postgres", "CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 30000) g");
            PgHealthReport p = await("primary", "replica1 over 1MB behind", r -> replayBytes(r) > 1_000_000);
            await("standby", "received WAL not replayed", r -> r.recovery().replayLagBytes() != null && r.recovery().replayLagBytes() > 1_000_000
                    && Boolean.TRUE.equals(r.recovery().replayPaused()));
            alerts.evaluate();
            alerts.deliver();
            List<String> bodies = receiver.requests().stream().map(LoggedRequest::getBodyAsString).toList();
            assertTrue(has(bodies, "pg-replication-lag/primary", "firing"), "lag on the primary's figures: " + bodies + " " + p);
            assertTrue(has(bodies, "pg-replication-lag/standby", "firing"), "lag on the standby's own figures: " + bodies);
            assertTrue(bodies.stream().anyMatch(b -> b.contains("pg_wal_replay_resume()")), "the standby's alert says replay is paused: " + bodies);
            given().get("/q/metrics").then()
                    .body(containsString("lifeboat_pg_replication_lag_bytes{database=\"primary\",standby=\"replica1\"}"))
                    .body(containsString("lifeboat_pg_replication_lag_bytes{database=\"standby\",standby=\"self\"}"));

            standby.sql("postgres", "SELECT pg_wal_replay_resume()");
            await("primary", "replica1 caught up", r -> replayBytes(r) >= 0 && replayBytes(r) < 1_000_000);
            await("standby", "replay caught up", r -> r.recovery().replayLagBytes() != null && r.recovery().replayLagBytes() < 1_000_000);
            // With everything received replayed, a quiet primary reads as no lag, not as the age of the last transaction.
            await("standby", "an idle primary read as lag 0", r -> Double.valueOf(0).equals(r.recovery().replayLagSeconds()));
            alerts.evaluate();
            alerts.deliver();
            bodies = receiver.requests().stream().map(LoggedRequest::getBodyAsString).toList();
            assertTrue(has(bodies, "pg-replication-lag/primary", "resolved") && has(bodies, "pg-replication-lag/standby", "resolved"), bodies.toString());
            assertTrue(!has(bodies, "pg-standby-missing/primary", "firing"), "replica1 is connected: " + bodies);

            standby.close();
            standby = null;
            await("primary", "replica1 gone", r -> r.standbys().stream().noneMatch(s -> s.name().equals("replica1")));
            alerts.evaluate();
            alerts.deliver();
            bodies = receiver.requests().stream().map(LoggedRequest::getBodyAsString).toList();
            assertTrue(has(bodies, "pg-standby-missing/primary", "firing"), "pg-standby-missing fires: " + bodies);
        } finally {
            watch.stop();
            if (standby != null) {
                standby.close();
            }
            Path defaults = ConfigLoader.resolvePath(null);
            active.install(defaults, new ConfigLoader().load(defaults));
        }
    }
}
