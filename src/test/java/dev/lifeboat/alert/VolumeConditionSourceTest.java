package dev.lifeboat.alert;

import dev.lifeboat.config.AlertsConfig;
import dev.lifeboat.volume.Condition.Kind;
import dev.lifeboat.volume.VolumeReport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VolumeConditionSourceTest {
    static VolumeReport report(List<dev.lifeboat.volume.Condition> failing) {
        return new VolumeReport("data", "/data", 3, Instant.parse("2026-11-23T00:00:00Z"), !failing.isEmpty() ? Boolean.FALSE : Boolean.TRUE,
                "/data", "ext4", "/dev/vdb", false, 1L << 30, 1L << 20, 65536L, 60000L, Duration.ofMillis(3), null, null,
                List.of(), null, failing);
    }

    @Test
    void everyVolumeCheckIsAKnownRuleReportedFiringOrNot() {
        for (Kind k : Kind.values()) {
            assertTrue(AlertsConfig.RULE_IDS.contains(VolumeConditionSource.ruleId(k)), k + " has no rule id in AlertsConfig.RULE_IDS");
        }
        List<Condition> healthy = VolumeConditionSource.conditions(report(List.of()));
        assertTrue(healthy.stream().noneMatch(Condition::firing));
        assertEquals(Kind.values().length - 1, healthy.size(), "path-missing and not-mounted share volume-unmounted");

        Map<String, Condition> bad = VolumeConditionSource.conditions(report(List.of(
                        new dev.lifeboat.volume.Condition(Kind.NOT_MOUNTED, "/data is on the root filesystem"),
                        new dev.lifeboat.volume.Condition(Kind.LOW_SPACE, "1.0 MiB free, below 10%"))))
                .stream().collect(Collectors.toMap(Condition::rule, c -> c));
        assertTrue(bad.get("volume-unmounted").firing());
        assertEquals(Severity.CRITICAL, bad.get("volume-unmounted").severity());
        assertTrue(bad.get("volume-unmounted").summary().contains("root filesystem"));
        assertTrue(bad.get("volume-low-space").firing());
        assertFalse(bad.get("volume-slow-fsync").firing());
        assertEquals("data", bad.get("volume-low-space").subject());
    }
}
