package dev.lifeboat.postgres.health;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns successive {@code pg_stat_statements} readings into what happened between two polls: per statement the calls
 * and execution time since the previous reading (deltas, not totals since the last reset), and the top statements by
 * mean time over that interval. A statement whose counters went down (a reset) counts from zero.
 */
final class SlowStatements {
    /** How many statements the report lists. */
    static final int TOP = 5;

    /** One row of {@code pg_stat_statements}: cumulative counters of one statement of one role. */
    record Reading(long userId, long queryId, long calls, double totalMillis, String query) {
        String key() {
            return userId + "/" + queryId;
        }
    }

    private Map<String, Reading> previous;

    /**
     * The statements with at least {@code minCalls} calls since the previous reading, slowest mean first (at most
     * {@link #TOP}); null for the first reading, which has nothing to compare with.
     */
    List<PgHealthReport.Statement> next(List<Reading> now, int minCalls) {
        Map<String, Reading> current = new HashMap<>();
        now.forEach(r -> current.put(r.key(), r));
        Map<String, Reading> before = previous;
        previous = current;
        if (before == null) {
            return null;
        }
        List<PgHealthReport.Statement> out = new ArrayList<>();
        for (Reading r : now) {
            Reading b = before.get(r.key());
            long calls = b == null || r.calls() < b.calls() ? r.calls() : r.calls() - b.calls();
            double millis = b == null || r.calls() < b.calls() ? r.totalMillis() : r.totalMillis() - b.totalMillis();
            if (calls >= minCalls && calls > 0) {
                out.add(new PgHealthReport.Statement(Long.toString(r.queryId()), calls, Math.round(millis / calls * 1000) / 1000.0,
                        Math.round(millis * 1000) / 1000.0, r.query()));
            }
        }
        out.sort(Comparator.comparingDouble(PgHealthReport.Statement::meanMillis).reversed());
        return List.copyOf(out.subList(0, Math.min(TOP, out.size())));
    }

    /** Forgets the previous reading (the extension went away). */
    void reset() {
        previous = null;
    }
}
