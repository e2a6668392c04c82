package dev.lifeboat.volume;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThresholdGrowthTest {
    @Test
    void percentagesAndAbsoluteThresholds() {
        Threshold tenPercent = Threshold.parse("10%", true);
        assertTrue(tenPercent.satisfiedBy(100, 1000));
        assertFalse(tenPercent.satisfiedBy(99, 1000));
        Threshold size = Threshold.parse("1MiB", true);
        assertTrue(size.satisfiedBy(1 << 20, 1L << 40));
        assertFalse(size.satisfiedBy((1 << 20) - 1, 1L << 40));
        Threshold count = Threshold.parse("500", false);
        assertFalse(count.satisfiedBy(499, 10_000));
        assertEquals("2.5%", Threshold.parse(" 2.5 %", false).toString());
    }

    @Test
    void growthIsALeastSquaresSlopeAndGivesTimeToFull() {
        GrowthTracker g = new GrowthTracker();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        g.add(t0, 1000);
        g.add(t0.plusSeconds(10), 2000);
        assertTrue(g.bytesPerSecond().isEmpty(), "two samples are not a trend");
        g.add(t0.plusSeconds(20), 3000);
        assertEquals(100.0, g.bytesPerSecond().orElseThrow(), 1e-9);
        assertEquals(Duration.ofSeconds(50), g.timeToFull(5000).orElseThrow());
    }

    @Test
    void aTemporarySpikeDoesNotDominateAndShrinkingNeverFills() {
        GrowthTracker g = new GrowthTracker();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        long[] used = {1000, 1000, 90_000, 1000, 1000, 1000};
        for (int i = 0; i < used.length; i++) {
            g.add(t0.plusSeconds(30L * i), used[i]);
        }
        assertTrue(g.bytesPerSecond().orElseThrow() < 100, "one spike: " + g.bytesPerSecond());
        GrowthTracker shrinking = new GrowthTracker();
        for (int i = 0; i < 5; i++) {
            shrinking.add(t0.plusSeconds(30L * i), 10_000 - 100L * i);
        }
        assertTrue(shrinking.timeToFull(1).isEmpty());
    }

    @Test
    void oldSamplesLeaveTheWindow() {
        GrowthTracker g = new GrowthTracker();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        g.add(t0, 0);
        g.add(t0.plusSeconds(1), 1_000_000);
        g.add(t0.plus(GrowthTracker.WINDOW).plusSeconds(100), 1_000_000);
        g.add(t0.plus(GrowthTracker.WINDOW).plusSeconds(200), 1_000_000);
        g.add(t0.plus(GrowthTracker.WINDOW).plusSeconds(300), 1_000_000);
        assertEquals(0.0, g.bytesPerSecond().orElseThrow(), 1e-9, "the early jump is older than the window");
    }
}
