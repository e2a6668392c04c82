package dev.lifeboat.postgres.health;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Means over the last interval, not since the statistics were reset. */
class SlowStatementsTest {
    @Test
    void meansAreOverTheIntervalAndAResetCountsFromZero() {
        SlowStatements slow = new SlowStatements();
        // A statement slow in the past (1000 calls of 500 ms) and fast now.
        assertNull(slow.next(List.of(new SlowStatements.Reading(10, 1, 1000, 500_000, null),
                new SlowStatements.Reading(10, 2, 5, 50, null)), 3));
        List<PgHealthReport.Statement> top = slow.next(List.of(new SlowStatements.Reading(10, 1, 1010, 500_010, null),
                new SlowStatements.Reading(10, 2, 9, 850, null)), 3);
        assertEquals(2, top.size());
        assertEquals("2", top.get(0).queryId(), "the statement slow in this interval comes first: " + top);
        assertEquals(200.0, top.get(0).meanMillis());
        assertEquals(4, top.get(0).calls());
        assertEquals(1.0, top.get(1).meanMillis(), "the historically slow statement is fast now");
        // pg_stat_statements_reset(): counters start again from zero.
        top = slow.next(List.of(new SlowStatements.Reading(10, 1, 3, 30, null)), 3);
        assertEquals(List.of(new PgHealthReport.Statement("1", 3, 10.0, 30.0, null)), top);
        // Too few calls in the interval to count.
        assertEquals(List.of(), slow.next(List.of(new SlowStatements.Reading(10, 1, 4, 1030, null)), 3));
    }
}
