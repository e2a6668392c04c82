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
    void leapDayCronKeepsFindingLeapDaysPast2096() {
        // 2100 is not a leap year: the next 29 February after 2096 is in 2104, eight years on.
        assertEquals(Instant.parse("2104-02-29T00:00:00Z"), Schedule.parse("0 0 29 2 *").next(Instant.parse("2096-03-01T00:00:00Z")));
        assertEquals(Instant.parse("2096-02-29T00:00:00Z"), Schedule.parse("0 0 29 2 *").next(Instant.parse("2095-06-01T00:00:00Z")));
    }

    @Test
    void cronNextIsStrictlyAfterAndOnWholeMinutes() {
        Schedule quarterly = Schedule.parse("*/15 * * * *");
        assertEquals(Instant.parse("2026-11-23T20:45:00Z"), quarterly.next(Instant.parse("2026-11-23T20:30:00Z")));
        assertEquals(Instant.parse("2026-11-23T20:30:00Z"), quarterly.next(Instant.parse("2026-11-23T20:29:59.999Z")));
        assertEquals(Instant.parse("2026-11-29T00:00:00Z"), Schedule.parse("0 0 * * 7").next(T));
        assertEquals(Instant.parse("2027-01-01T00:00:00Z"), Schedule.parse("0 0 * JAN *").next(T));
    }

    @Test
    void cronErrorsNameTheFieldAndTheValue() {
        assertEquals("cron minute '61' is not a number from 0 to 59", message("61 * * * *"));
        assertEquals("cron minute '60' is not a number from 0 to 59", message("1-60 * * * *"));
        assertEquals("cron hour '24' is not a number from 0 to 23", message("0 1,24 * * *"));
        assertEquals("cron day-of-week 'funday' is not a number from 0 to 7", message("5 4 * * funday"));
        assertEquals("cron minute '0' is not a number from 1 to 59", message("*/0 * * * *"));
        assertEquals("cron minute range '5-1' runs backwards", message("5-1 * * * *"));
        assertEquals("cron expression '0 0 31 2 *' never matches a real date", message("0 0 31 2 *"));
        assertEquals("cron expression '0 0 31 4,6 *' never matches a real date", message("0 0 31 4,6 *"));
    }

    private static String message(String cron) {
        return assertThrows(IllegalArgumentException.class, () -> Schedule.parse(cron)).getMessage();
    }

    @Test
    void nonsenseIsRejectedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("0s"));
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("5 4 * * funday"));
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("5-1 * * * *"));
    }
}
