package dev.lifeboat.alert;

import dev.lifeboat.config.Schedule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RulesTest {
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    @Test
    void backupStaleness() {
        Duration max = Duration.ofHours(25);
        assertFalse(BackupStalenessRule.evaluate("app", NOW.minus(Duration.ofHours(24)), NOW.minus(Duration.ofDays(9)), NOW, max).firing());
        Condition stale = BackupStalenessRule.evaluate("app", NOW.minus(Duration.ofHours(26)), NOW.minus(Duration.ofDays(9)), NOW, max);
        assertTrue(stale.firing());
        assertEquals("backup-stale/app", stale.key());
        assertTrue(stale.summary().contains("1d 2h old"), stale.summary());
        // never backed up: counted from when Lifeboat started watching
        assertFalse(BackupStalenessRule.evaluate("app", null, NOW.minus(Duration.ofHours(1)), NOW, max).firing());
        assertTrue(BackupStalenessRule.evaluate("app", null, NOW.minus(Duration.ofHours(30)), NOW, max).firing());
        assertEquals("never", BackupStalenessRule.evaluate("app", null, NOW, NOW, max).values().get("lastSuccess"));
    }

    @Test
    void defaultMaxAgeIsTwoGapsPlusTimeout() {
        assertEquals(Duration.ofHours(4), BackupStalenessRule.defaultMaxAge(Schedule.parse("1h"), Duration.ofHours(2), NOW));
        assertEquals(Duration.ofHours(50), BackupStalenessRule.defaultMaxAge(Schedule.parse("0 3 * * *"), Duration.ofHours(2), NOW));
    }

    @Test
    void consecutiveFailures() {
        assertFalse(ConsecutiveFailuresRule.evaluate("app", 1, "pg_dump: connection refused", 2).firing());
        Condition c = ConsecutiveFailuresRule.evaluate("app", 2, "pg_dump: connection refused", 2);
        assertTrue(c.firing());
        assertTrue(c.summary().contains("connection refused"));
        assertFalse(ConsecutiveFailuresRule.evaluate("app", 0, null, 2).firing());
    }

    @Test
    void replicationAndDrillAndDestination() {
        assertTrue(ReplicationLagRule.evaluate("app", Duration.ofMinutes(6), Duration.ofMinutes(5)).firing());
        assertFalse(ReplicationLagRule.evaluate("app", Duration.ofMinutes(5), Duration.ofMinutes(5)).firing());
        assertTrue(ReplicationErrorRule.evaluate("app", "403 Forbidden").firing());
        assertFalse(ReplicationErrorRule.evaluate("app", null).firing());
        assertTrue(DrillFailedRule.evaluate("app", false, NOW, "checksum mismatch").firing());
        assertFalse(DrillFailedRule.evaluate("app", true, NOW, null).firing());
        assertTrue(DestinationUnreachableRule.evaluate("s3", false, "connection refused", NOW).firing());
        assertFalse(DestinationUnreachableRule.evaluate("s3", true, null, NOW).firing());
        assertTrue(ConfigInvalidRule.evaluate("lifeboat.yml", List.of("databases.app.type: unknown type")).firing());
        assertFalse(ConfigInvalidRule.evaluate("lifeboat.yml", List.of()).firing());
    }

    @Test
    void volumes() {
        long gib = 1L << 30;
        assertTrue(VolumeRules.unmounted("data", "/data", false).firing());
        assertFalse(VolumeRules.unmounted("data", "/data", true).firing());
        assertTrue(VolumeRules.readOnly("data", "/data", true).firing());
        assertTrue(VolumeRules.lowSpace("data", "/data", gib / 20, gib, "10%").firing());
        assertFalse(VolumeRules.lowSpace("data", "/data", gib / 5, gib, "10%").firing());
        assertTrue(VolumeRules.lowSpace("data", "/data", 100L << 20, gib, "500MiB").firing());
        assertFalse(VolumeRules.lowSpace("data", "/data", 600L << 20, gib, "500MiB").firing());
        assertTrue(VolumeRules.lowInodes("data", "/data", 10, 1000, "5%").firing());
        assertFalse(VolumeRules.lowInodes("data", "/data", 20_000, 100_000, "10000").firing());
        assertTrue(VolumeRules.slowFsync("data", "/data", Duration.ofMillis(1500), Duration.ofSeconds(1)).firing());
        assertFalse(VolumeRules.slowFsync("data", "/data", Duration.ofMillis(20), Duration.ofSeconds(1)).firing());
    }
}
