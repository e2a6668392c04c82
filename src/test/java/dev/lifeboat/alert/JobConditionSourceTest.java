package dev.lifeboat.alert;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backup and drill rules from recorded job outcomes, across a restart of the history. */
class JobConditionSourceTest {
    static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");

    @TempDir
    Path dir;

    LifeboatConfig config = TestConfigs.parse("""
            destinations:
              main: {url: "file:///tmp/lifeboat-test-replica"}
            databases:
              shop: {type: postgres, url: "postgres://u:p@127.0.0.1:5432/shop", destination: main, schedule: 1h}
              app: {type: sqlite, path: /data/app.db, destination: main}
            alerts:
              thresholds: {consecutive-failures: 2}
            """);

    Map<String, Condition> evaluate(JobHistory h, Instant now) {
        return JobConditionSource.conditions(config, h, now).stream().collect(Collectors.toMap(Condition::key, c -> c));
    }

    @Test
    void staleFailingAndDrills() {
        JobHistory h = new JobHistory(dir);
        Map<String, Condition> c = evaluate(h, T0);
        assertEquals(2, c.size(), "backup rules for the postgres database only: " + c.keySet());
        assertFalse(c.get("backup-stale/shop").firing());
        // hourly schedule + 2h timeout: stale after 4h with no success since Lifeboat started watching
        assertTrue(evaluate(h, T0.plus(Duration.ofHours(5))).get("backup-stale/shop").firing());

        h.succeeded(JobEvents.backupJob("shop"), T0.plus(Duration.ofHours(5)));
        assertFalse(evaluate(h, T0.plus(Duration.ofHours(6))).get("backup-stale/shop").firing());
        h.failed(JobEvents.backupJob("shop"), T0.plus(Duration.ofHours(6)), "pg_dump: connection refused");
        assertFalse(evaluate(h, T0.plus(Duration.ofHours(6))).get("backup-failures/shop").firing());
        h.failed(JobEvents.backupJob("shop"), T0.plus(Duration.ofHours(7)), "pg_dump: connection refused");

        JobHistory restarted = new JobHistory(dir);
        Map<String, Condition> after = evaluate(restarted, T0.plus(Duration.ofHours(7)));
        assertTrue(after.get("backup-failures/shop").firing());
        assertTrue(after.get("backup-failures/shop").summary().contains("connection refused"));
        assertTrue(evaluate(restarted, T0.plus(Duration.ofHours(10))).get("backup-stale/shop").firing(), "5h since the last success");

        restarted.failed(JobEvents.drillJob("shop"), T0.plus(Duration.ofHours(8)), "checksum mismatch");
        assertTrue(evaluate(restarted, T0.plus(Duration.ofHours(8))).get("drill-failed/shop").firing());
        restarted.succeeded(JobEvents.drillJob("shop"), T0.plus(Duration.ofHours(9)));
        assertFalse(evaluate(restarted, T0.plus(Duration.ofHours(9))).get("drill-failed/shop").firing());
        assertNull(evaluate(restarted, T0).get("drill-failed/app"));
    }
}
