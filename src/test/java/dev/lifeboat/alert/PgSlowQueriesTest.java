package dev.lifeboat.alert;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.health.PgHealthReport;
import dev.lifeboat.postgres.health.PgHealthWatch;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code pg_stat_statements} on a real server that preloads it: in a database with the extension, statements slower
 * than {@code health.slow-query} over an interval fire {@code pg-slow-queries} (identified by queryid, their text kept
 * out); in a database without it, status says so once and nothing fails.
 */
@QuarkusTest
class PgSlowQueriesTest {
    /** Upper bound for waiting only, so that a broken build fails instead of hanging; never an assertion on speed. */
    private static final Duration GIVE_UP = Duration.ofSeconds(60);

    @Inject
    ActiveConfig active;

    @Inject
    PgHealthWatch watch;

    @Inject
    AlertService alerts;

    @Test
    void slowStatementsFireWhereTheExtensionIsAndAreSaidMissingWhereItIsNot() throws Exception {
        Path base = Files.createTempDirectory("lifeboat-pg-slow");
        try (PostgresServer pg = PostgresServer.startWith("shared_preload_libraries=pg_stat_statements");
             Receiver receiver = new Receiver()) {
            receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
            pg.createDatabase("with");
            pg.createDatabase("without");
            pg.sql("with", "CREATE EXTENSION pg_stat_statements");
            String health = "{interval: 300ms, slow-query: 20ms, slow-query-calls: 3}";
            String yaml = """
                    destinations: {local: {url: "file://%1$s/replica"}}
                    databases:
                      with: {type: postgres, url: "%2$s", destination: local, health: %4$s}
                      without: {type: postgres, url: "%3$s", destination: local, health: %4$s}
                    alerts:
                      for: 0s
                      state-dir: %1$s/alerts
                      sinks:
                        hook: {type: webhook, url: "%5$s"}
                    """.formatted(base, pg.url("with"), pg.url("without"), health, receiver.url("/hook"));
            LifeboatConfig config = TestConfigs.parse(yaml);
            active.install(TestConfigs.write(base, yaml), config);
            watch.start(config);

            // Slow calls until one interval holds at least 3 of them (the calls may straddle polls).
            PgHealthReport seen = null;
            Instant deadline = Instant.now().plus(GIVE_UP);
            try (Connection c = pg.connect("with"); Statement st = c.createStatement()) {
                while (seen == null) {
                    if (Instant.now().isAfter(deadline)) {
                        fail("no slow statement listed; last report: " + watch.report("with").orElse(null));
                    }
                    for (int i = 0; i < 8; i++) {
                        st.execute("SELECT pg_sleep(0.04), 'literal-kept-out'");
                    }
                    seen = watch.report("with").filter(r -> r.slowQueries() != null && r.slowQueries().statements() != null
                            && r.slowQueries().statements().stream().anyMatch(s -> s.calls() >= 3 && s.meanMillis() > 20)).orElse(null);
                }
            }
            alerts.evaluate();
            alerts.deliver();
            List<String> bodies = receiver.requests().stream().map(LoggedRequest::getBodyAsString).toList();
            assertTrue(bodies.stream().anyMatch(b -> b.contains("\"key\":\"pg-slow-queries/with\"") && b.contains("\"status\":\"firing\"")),
                    "pg-slow-queries fires: " + bodies + " " + seen);
            assertFalse(bodies.stream().anyMatch(b -> b.contains("pg_sleep") || b.contains("literal-kept-out")), "no query text: " + bodies);

            PgHealthReport without = watch.report("without").orElseThrow();
            assertTrue(without.ok(), "no error without the extension: " + without);
            given().get("/api/v1/status").then().statusCode(200)
                    .body("databases.with.health.slowQueries.available", equalTo(true))
                    .body("databases.without.health.slowQueries.available", equalTo(false))
                    .body("databases.without.health.slowQueries.note", containsString("pg_stat_statements is not installed in this database"))
                    .body("databases.without.health.error", equalTo(null));
            assertFalse(bodies.stream().anyMatch(b -> b.contains("pg-slow-queries/without")), "nothing fires without the extension");
        } finally {
            watch.stop();
            Path defaults = ConfigLoader.resolvePath(null);
            active.install(defaults, new ConfigLoader().load(defaults));
        }
    }
}
