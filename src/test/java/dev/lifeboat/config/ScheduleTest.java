package dev.lifeboat.config;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ScheduleTest {
    private static final Instant T = Instant.parse("2026-11-23T20:17:42Z"); // a Monday

    @Test
    void intervalsCountFromThePreviousRun() {
        assertEquals(T.plusSeconds(3600), Schedule.parse("1h").next(T));
        assertEquals(T.plusSeconds(86400), Schedule.parse("1d").next(T));
    }

    @Test
    void cronFindsTheNextMatchingMinuteInUtc() {
        assertEquals(Instant.parse("2026-11-24T03:00:00Z"), Schedule.parse("0 3 * * *").next(T));
        assertEquals(Instant.parse("2026-11-23T20:30:00Z"), Schedule.parse("*/15 * * * *").next(T));
        assertEquals(Instant.parse("2026-11-29T00:00:00Z"), Schedule.parse("0 0 * * sun").next(T));
        assertEquals(Instant.parse("2026-12-01T06:30:00Z"), Schedule.parse("30 6 1 * *").next(T));
        assertEquals(Instant.parse("2028-02-29T00:00:00Z"), Schedule.parse("0 0 29 2 *").next(T));
        // Day-of-month and day-of-week both restricted: either matches (classic cron).
        assertEquals(Instant.parse("2026-11-24T00:00:00Z"), Schedule.parse("0 0 1 * tue").next(T));
    }

    @Test
    void nonsenseIsRejectedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("0s"));
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("5 4 * * funday"));
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("5-1 * * * *"));
    }
}
