package dev.lifeboat.drill;

import dev.lifeboat.alert.Condition;
import dev.lifeboat.alert.DrillConditionSource;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import dev.lifeboat.testing.ExternalProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.time.Instant;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drill outcomes in {@code /api/v1/status}, {@code GET /api/v1/databases/{db}/drills} and the Prometheus metrics. */
@QuarkusTest
@QuarkusTestResource(value = DrillEnvironment.class, restrictToAnnotatedClass = true)
class DrillApiTest {
    @Inject
    DrillService drills;

    @Inject
    ActiveConfig active;

    @Inject
    DrillConditionSource alertSource;

    @Inject
    dev.lifeboat.alert.AlertService alerts;

    @Test
    void aDrillShowsInStatusHistoryMetricsAndAlerts() throws Exception {
        DrillRecord r = drills.run(active.get(), "app", "api");
        assertEquals(DrillRecord.PASSED, r.outcome(), r.error());

        given().get("/api/v1/status").then().statusCode(200)
                .body("databases.app.drill.last.outcome", equalTo("passed"))
                .body("databases.app.drill.last.id", equalTo(r.id()))
                .body("databases.app.drill.last.backupId", equalTo(r.backupId()))
                .body("databases.app.drill.last.rpoSeconds", notNullValue())
                .body("databases.app.drill.lastSuccessAt", equalTo(r.finishedAt().toString()))
                .body("databases.app.drill.failing", equalTo(false));

        given().get("/api/v1/databases/app/drills").then().statusCode(200)
                .body("database", equalTo("app"))
                .body("drills", hasSize(1))
                .body("drills[0].id", equalTo(r.id()))
                .body("drills[0].startedAt", equalTo(r.startedAt().toString()))
                .body("drills[0].checks.find { it.name == 'three-notes' }.observed", equalTo("3"))
                .body("drills[0].checks.find { it.name == 'live-comparison' }.observed", equalTo("1 tables, equal row counts"));
        given().get("/api/v1/databases/nope/drills").then().statusCode(404);

        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("lifeboat_drill_last_passed{database=\"app\"} 1.0"))
                .body(containsString("lifeboat_drill_consecutive_failures{database=\"app\"} 0.0"))
                .body(containsString("lifeboat_drill_last_success_timestamp_seconds{database=\"app\"}"))
                .body(containsString("lifeboat_drill_rpo_seconds{database=\"app\"}"))
                .body(containsString("lifeboat_drill_failures_total{database=\"app\"} 0.0"));

        // A failing drill: status, metrics and the drill-failed alert condition follow; the next pass resolves it.
        LifeboatConfig failing = TestConfigs.parse(Files.readString(DrillEnvironment.configFile).replace("'== 3'", "'== 4'"));
        DrillRecord bad = drills.run(failing, "app", "api");
        assertEquals(DrillRecord.FAILED, bad.outcome());
        given().get("/api/v1/status").then().statusCode(200)
                .body("databases.app.drill.failing", equalTo(true))
                .body("databases.app.drill.consecutiveFailures", equalTo(1))
                .body("databases.app.drill.last.error", containsString("check 'three-notes' failed: expected == 4, saw 3"))
                .body("databases.app.drill.lastSuccessAt", equalTo(r.finishedAt().toString()));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("lifeboat_drill_last_passed{database=\"app\"} 0.0"))
                .body(containsString("lifeboat_drill_failures_total{database=\"app\"} 1.0"));
        Condition condition = alertSource.conditions(Instant.now()).stream().filter(c -> c.key().equals("drill-failed/app")).findFirst().orElseThrow();
        assertTrue(condition.firing());
        assertTrue(condition.summary().contains("expected == 4, saw 3"), condition.summary());
        // The verdict: a failed drill degrades status (not readiness), with drill-failed/app among the reasons.
        alerts.evaluate();
        given().get("/api/v1/status").then().statusCode(200).body("status", equalTo("degraded"))
                .body("reasons.find { it.rule == 'drill-failed' }.subject", equalTo("app"))
                .body("reasons.find { it.rule == 'drill-failed' }.summary", containsString("expected == 4, saw 3"))
                .body("reasons.find { it.rule == 'drill-failed' }.since", notNullValue());
        given().get("/q/health/ready").then().statusCode(200);

        assertEquals(DrillRecord.PASSED, drills.run(active.get(), "app", "api").outcome());
        assertFalse(alertSource.conditions(Instant.now()).stream().filter(c -> c.key().equals("drill-failed/app")).findFirst().orElseThrow().firing());
        alerts.evaluate();
        given().get("/api/v1/status").then().statusCode(200).body("reasons.find { it.rule == 'drill-failed' }", nullValue());
        // promtool (Debian package prometheus) is the reference checker of the exposition format. Its lint "no help
        // text" on every *_total counter (the HELP line names the counter without _total, as the format wants) is no error.
        Path metrics = Files.createTempFile("drill-metrics", ".txt");
        Files.writeString(metrics, given().get("/q/metrics").then().statusCode(200).extract().asString());
        String promtool = ExternalProcess.run(List.of("sh", "-c", "promtool check metrics < " + metrics + " 2>&1 | grep -i -E 'lifeboat_drill|error' | grep -v 'no help text' || true"),
                Duration.ofSeconds(30));
        assertEquals("", promtool.trim(), "promtool on the drill metrics");

        given().get("/api/v1/databases/app/drills?limit=2").then().statusCode(200).body("drills", hasSize(2))
                .body("drills[1].outcome", equalTo("failed"));
    }
}
