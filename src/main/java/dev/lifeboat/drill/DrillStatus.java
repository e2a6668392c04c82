package dev.lifeboat.drill;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.Optional;

/**
 * Each database's {@link DrillOverview} for {@code GET /api/v1/status}: the next scheduled run, a running drill, the
 * last drill (outcome, backup, RTO, RPO, error) and the last pass.
 */
@ApplicationScoped
public class DrillStatus {
    @Inject
    DrillService drills;

    @Inject
    DrillScheduler scheduler;

    /** The drills of {@code database}, or empty when none is scheduled, running or recorded. */
    public Optional<DrillOverview> of(String database) {
        Instant next = scheduler.nextRun(database).orElse(null);
        Instant running = drills.runningSince(database).orElse(null);
        DrillOverview.Outcomes outcomes = drills.state(database).map(DrillOverview.Outcomes::of).orElse(null);
        if (next == null && running == null && outcomes == null) {
            return Optional.empty();
        }
        return Optional.of(new DrillOverview(next, running, outcomes));
    }
}
