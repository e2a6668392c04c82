package dev.lifeboat.drill;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.InvalidConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Schedule;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drills are on by default, with a schedule by type; when the scheduler drills; what a configuration may not say. */
class DrillPlanTest {
    static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

    static LifeboatConfig config(String sqliteDrill, String postgresDrill) {
        return TestConfigs.parse("destinations:\n  local: { url: 'file:///tmp/lifeboat-drill-plan' }\n"
                + "databases:\n"
                + "  app: { type: sqlite, path: /tmp/app.db, destination: local" + sqliteDrill + " }\n"
                + "  shop: { type: postgres, url: 'postgres://backup@db.internal:5432/shop', destination: local" + postgresDrill + " }\n");
    }

    @Test
    void drillsAreOnByDefaultSqliteDailyPostgresWeekly() {
        LifeboatConfig c = config("", "");
        DatabaseConfig app = c.databases().get("app");
        DatabaseConfig shop = c.databases().get("shop");
        assertTrue(app.drill().enabled());
        assertTrue(shop.drill().enabled());
        assertEquals(START.plus(Duration.ofDays(1)), DatabaseConfig.drillSchedule(app).next(START));
        assertEquals(START.plus(Duration.ofDays(7)), DatabaseConfig.drillSchedule(shop).next(START));
        assertEquals("24h", DatabaseConfig.drillSchedule(app).text());
        assertEquals("7d", DatabaseConfig.drillSchedule(shop).text());
        assertEquals(Duration.ofMinutes(1), app.drill().firstDelay());
        assertEquals(Duration.ofDays(31), shop.drill().maxAge());

        LifeboatConfig set = config(", drill: { schedule: 12h }", ", drill: { enabled: false }");
        assertEquals("12h", DatabaseConfig.drillSchedule(set.databases().get("app")).text());
        assertEquals(false, set.databases().get("shop").drill().enabled());
    }

    @Test
    void firstDrillSoonAfterStartThenTheScheduleFromTheNewestDrill() {
        Schedule daily = Schedule.parse("24h");
        Instant firstDue = DrillScheduler.firstDue(daily, Duration.ofMinutes(1), START);
        assertEquals(START.plus(Duration.ofMinutes(1)), firstDue);
        // A schedule that comes sooner than first-delay wins.
        assertEquals(START.plusSeconds(1), DrillScheduler.firstDue(Schedule.parse("1s"), Duration.ofMinutes(1), START));
        assertEquals(Instant.parse("2026-03-01T10:00:30Z").plusSeconds(30),
                DrillScheduler.firstDue(Schedule.parse("1 10 * * *"), Duration.ofMinutes(5), Instant.parse("2026-03-01T10:00:30Z")));

        assertEquals(firstDue, DrillScheduler.dueAt(daily, firstDue, null), "never drilled");
        Instant anHourAgo = START.minus(Duration.ofHours(1));
        assertEquals(anHourAgo.plus(Duration.ofDays(1)), DrillScheduler.dueAt(daily, firstDue, anHourAgo), "a restart does not drill again at once");
        assertEquals(firstDue, DrillScheduler.dueAt(daily, firstDue, START.minus(Duration.ofDays(3))), "overdue: soon after start");
    }

    @Test
    void aMaxAgeTheScheduleCannotMeetAndANegativeFirstDelayNameTheirKeys() {
        var e = assertThrows(InvalidConfigException.class, () -> config(", drill: { max-age: 12h }", ", drill: { first-delay: -1s }"));
        List<String> problems = e.problems().stream().map(Object::toString).toList();
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("databases.app.drill.max-age: PT12H is shorter than the gap between two scheduled drills")),
                String.join("\n", problems));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("databases.shop.drill.first-delay: must not be negative")), String.join("\n", problems));
        // Drills off: max-age is only the limit for manual drills.
        config(", drill: { enabled: false, max-age: 12h }", "");
    }
}
