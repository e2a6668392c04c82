package dev.lifeboat.drill;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The newest drills of each database, in memory, as summaries: the drill history the dashboard polls, so that a poll
 * never reads the destination. Seeded from the destination's history when the agent starts ({@link DrillService#loadHistory}),
 * so it survives restarts; each drill this agent runs is added as it ends. A drill run by {@code lifeboat drill} on
 * another machine shows here after the next restart (and at once in {@code GET /api/v1/databases/{db}/drills}).
 * At most {@link #KEEP} summaries of a few hundred bytes per database.
 */
final class RecentDrills {
    static final int KEEP = 30;
    private final Map<String, List<DrillOverview.Summary>> byDatabase = new ConcurrentHashMap<>();

    void add(DrillRecord r) {
        DrillOverview.Summary summary = DrillOverview.Summary.of(r);
        byDatabase.compute(r.database(), (db, before) -> {
            List<DrillOverview.Summary> list = new ArrayList<>(before == null ? List.of() : before);
            list.removeIf(s -> s.id().equals(summary.id()));
            list.add(summary);
            list.sort(Comparator.comparing(DrillOverview.Summary::startedAt).reversed());
            return List.copyOf(list.subList(0, Math.min(KEEP, list.size())));
        });
    }

    /** Newest first. */
    List<DrillOverview.Summary> of(String database) {
        return byDatabase.getOrDefault(database, List.of());
    }
}
