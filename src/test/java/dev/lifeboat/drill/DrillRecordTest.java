package dev.lifeboat.drill;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DrillRecordTest {
    private static final Instant START = Instant.parse("2026-12-05T04:55:04Z");

    @Test
    void theRecoveryPointIsTheAgeOfTheRestoredDataAtTheDrillsStart() {
        assertEquals(64, DrillRecord.rpoSeconds(START.minusSeconds(64), START));
    }

    /** The soak saw "RPO -1 s": a drill waited for a connection while a scheduled backup finished, then restored it. */
    @Test
    void dataNewerThanTheDrillsStartIsNotOld() {
        assertEquals(0, DrillRecord.rpoSeconds(START.plusMillis(1500), START));
    }
}
