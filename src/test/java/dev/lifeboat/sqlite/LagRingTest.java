package dev.lifeboat.sqlite;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lag ring behind the dashboard's lag chart: the largest lag per bucket, one hour back, nothing older. */
class LagRingTest {
    static final long T0 = 1_796_400_000_000L; // a whole minute, in epoch millis

    @Test
    void keepsTheLargestLagOfEachBucketOldestFirst() {
        LagRing ring = new LagRing();
        ring.record(T0, 0.5);
        ring.record(T0 + 300, 2.0);
        ring.record(T0 + 900, 1.0);
        ring.record(T0 + 4_000, 0.25);
        ring.record(T0 + 12_000, 3.0);
        assertEquals(List.of(new LagRing.Sample(T0 / 1000, 2.0), new LagRing.Sample(T0 / 1000 + 10, 3.0)),
                ring.lastHour(T0 + 12_500, 10));
        assertEquals(List.of(new LagRing.Sample(T0 / 1000, 2.0), new LagRing.Sample(T0 / 1000 + 4, 0.25),
                new LagRing.Sample(T0 / 1000 + 12, 3.0)), ring.lastHour(T0 + 12_500, 1));
    }

    @Test
    void forgetsWhatIsOlderThanAnHourAndOverwritesItsSlot() {
        LagRing ring = new LagRing();
        ring.record(T0, 9.0);
        ring.record(T0 + 60_000, 1.0);
        long hourLater = T0 + 3_600_000;
        assertEquals(List.of(new LagRing.Sample(T0 / 1000 + 60, 1.0)), ring.lastHour(hourLater, 10), "the first sample is over an hour old");
        ring.record(hourLater, 0.5); // same slot as the first sample
        assertEquals(List.of(new LagRing.Sample(T0 / 1000 + 60, 1.0), new LagRing.Sample(hourLater / 1000, 0.5)), ring.lastHour(hourLater, 10));
    }

    @Test
    void startsEmpty() {
        assertEquals(List.of(), new LagRing().lastHour(T0, 10));
    }
}
