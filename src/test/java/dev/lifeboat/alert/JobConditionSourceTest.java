package dev.lifeboat.alert;

import dev.lifeboat.alert.BackupConditionSource.BackupFacts;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.drill.CheckResult;
import dev.lifeboat.drill.DrillRecord;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backup rules from the backup service's state (watch start persisted across restarts) and the drill rule. */
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
    Map<String, BackupFacts> facts = new HashMap<>();

    Map<String, Condition> backups(JobHistory h, Instant now) {
        return BackupConditionSource.conditions(config, name -> facts.getOrDefault(name, new BackupFacts(null, 0, null)), h, now)
                .stream().collect(Collectors.toMap(Condition::key, c -> c));
    }

    @Test
    void backupStaleAndFailing() {
        JobHistory h = new JobHistory(dir);
        Map<String, Condition> c = backups(h, T0);
        assertEquals(List.of("backup-failures/shop", "backup-stale/shop"), c.keySet().stream().sorted().toList(), "postgres databases only");
        assertFalse(c.get("backup-stale/shop").firing());
        // hourly schedule + the 2h default timeout: stale after 4h without any success since Lifeboat started watching,
        // also after a restart (the watch start is persisted)
        assertTrue(backups(new JobHistory(dir), T0.plus(Duration.ofHours(5))).get("backup-stale/shop").firing());

        facts.put("shop", new BackupFacts(T0.plus(Duration.ofHours(5)), 1, "pg_dump: connection refused"));
        Map<String, Condition> one = backups(h, T0.plus(Duration.ofHours(6)));
        assertFalse(one.get("backup-stale/shop").firing());
        assertFalse(one.get("backup-failures/shop").firing());
        facts.put("shop", new BackupFacts(T0.plus(Duration.ofHours(5)), 2, "pg_dump: connection refused"));
        Map<String, Condition> two = backups(h, T0.plus(Duration.ofHours(7)));
        assertTrue(two.get("backup-failures/shop").firing());
        assertTrue(two.get("backup-failures/shop").summary().contains("connection refused"));
        assertTrue(backups(h, T0.plus(Duration.ofHours(10))).get("backup-stale/shop").firing(), "5h since the last success");
    }

    @Test
    void drills() {
        DrillRecord failed = new DrillRecord("d1", "shop", "postgres", "schedule", DrillRecord.FAILED, "b1", T0, T0, T0.plusSeconds(60),
                null, 60_000, null, 0, 0, "scratch", null, List.of(new CheckResult("row-count", "builtin", false, "0", "> 0", "table users is empty")));
        Condition c = DrillConditionSource.condition("shop", failed);
        assertEquals("drill-failed/shop", c.key());
        assertTrue(c.firing());
        assertTrue(c.summary().contains("check row-count failed: table users is empty"), c.summary());
        DrillRecord passed = new DrillRecord("d2", "shop", "postgres", "schedule", DrillRecord.PASSED, "b2", T0, T0, T0.plusSeconds(60),
                null, 60_000, null, 0, 0, "scratch", null, List.of());
        assertFalse(DrillConditionSource.condition("shop", passed).firing());
    }
}
