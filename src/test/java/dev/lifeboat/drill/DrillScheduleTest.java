package dev.lifeboat.drill;

import dev.lifeboat.alert.AlertService;
import dev.lifeboat.alert.Condition;
import dev.lifeboat.alert.DrillOverdueConditionSource;
import dev.lifeboat.config.ActiveConfig;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drills are on by default in a running agent (the CDI scheduler started as {@code lifeboat agent} starts it): a
 * never-drilled database is drilled soon after start and shows it in status; one with nothing replicated waits for
 * its first snapshot; the schedule counts from the history read back at start; {@code drill-overdue} fires for an
 * old newest passing drill and for drills switched off, not for fresh ones.
 */
@QuarkusTest
@QuarkusTestResource(value = DrillScheduleEnvironment.class, restrictToAnnotatedClass = true)
class DrillScheduleTest {
    @Inject
    DrillScheduler scheduler;

    @Inject
    DrillService drills;

    @Inject
    ActiveConfig active;

    @Inject
    DrillOverdueConditionSource overdue;

    @Inject
    AlertService alerts;

    @Test
    void drillsRunByDefaultAndOverdueDrillsAlert() throws Exception {
        scheduler.start(active.get());
        await("the first scheduled drill of app", () -> drills.state("app").isPresent());
        await("empty to wait for its first snapshot", () -> scheduler.plan("empty").map(DrillPlan::waiting).isPresent());

        DrillRecord first = drills.state("app").orElseThrow().last();
        assertEquals("schedule", first.trigger());
        assertEquals(DrillRecord.PASSED, first.outcome(), first.error());
        Instant nextAfterFirst = first.startedAt().plus(Duration.ofHours(24));
        await("the next drill of app to be planned a day after the first", () -> nextAfterFirst.equals(scheduler.nextRun("app").orElse(null)));
        given().get("/api/v1/status").then().statusCode(200)
                .body("databases.app.drill.schedule", equalTo("24h"))
                .body("databases.app.drill.last.id", equalTo(first.id()))
                .body("databases.app.drill.last.trigger", equalTo("schedule"))
                .body("databases.app.drill.nextRunAt", equalTo(nextAfterFirst.toString()))
                .body("databases.app.drill.overdue", nullValue())
                .body("databases.empty.drill.waiting", equalTo("waiting for the first snapshot of the replica to drill"))
                .body("databases.empty.drill.last", nullValue())
                .body("databases.manual.drill.off", containsString("databases.manual.drill.enabled is false"))
                .body("databases.manual.drill.nextRunAt", nullValue())
                .body("databases.manual.drill.overdue", containsString("no restore drill has passed"))
                .body("databases.old.drill.overdue", allOf(containsString("the newest passing restore drill is 40d 1"), containsString(" old (drill.max-age 31d): ")))
                // The history read back at start: the next drill counts from the newest one, not from the restart.
                .body("databases.fresh.drill.nextRunAt", equalTo(DrillScheduleEnvironment.fresh.startedAt().plus(Duration.ofHours(24)).toString()))
                .body("databases.fresh.drill.overdue", nullValue());
        assertEquals(DrillScheduleEnvironment.fresh.id(), drills.state("fresh").orElseThrow().last().id());

        Map<String, Condition> conditions = overdue.conditions(Instant.now()).stream()
                .collect(Collectors.toMap(Condition::subject, Function.identity()));
        assertEquals("drill-overdue", conditions.get("manual").rule());
        assertTrue(conditions.get("manual").firing());
        assertTrue(conditions.get("manual").summary().contains("drills off: databases.manual.drill.enabled is false"), conditions.get("manual").summary());
        assertEquals("never", conditions.get("manual").values().get("lastPassedAt"));
        assertTrue(conditions.get("old").firing());
        assertTrue(conditions.get("old").summary().contains("restores of database old are not proven: the newest passing restore drill is 40d 1"),
                conditions.get("old").summary());
        assertEquals(DrillScheduleEnvironment.old.finishedAt().toString(), conditions.get("old").values().get("lastPassedAt"));
        assertFalse(conditions.get("fresh").firing(), conditions.get("fresh").summary());
        assertFalse(conditions.get("app").firing(), conditions.get("app").summary());
        // A fresh agent is not degraded before its first drill was due (plus drill.timeout).
        assertFalse(conditions.get("empty").firing(), conditions.get("empty").summary());

        // Warnings: the verdict is degraded, naming the overdue databases.
        alerts.evaluate();
        given().get("/api/v1/status").then().statusCode(200)
                .body("status", equalTo("degraded"))
                .body("reasons.findAll { it.rule == 'drill-overdue' }.subject", containsInAnyOrder("manual", "old"))
                .body("reasons.find { it.subject == 'old' }.severity", equalTo("warning"));

        // Once replication has stored a snapshot, the waiting first drill runs.
        DrillScheduleEnvironment.snapshot("empty");
        await("the first drill of empty once it has a snapshot", () -> drills.state("empty").isPresent());
        assertEquals(DrillRecord.PASSED, drills.state("empty").orElseThrow().last().outcome());
        await("empty to stop waiting", () -> scheduler.plan("empty").map(DrillPlan::waiting).isEmpty());
    }

    interface Condition0 {
        boolean holds() throws Exception;
    }

    /** Waits for something the scheduler does on its own thread (the test's intervals are a second). */
    static void await(String what, Condition0 condition) throws Exception {
        for (int i = 0; i < 1200; i++) {
            if (condition.holds()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("gave up waiting for " + what);
    }
}
