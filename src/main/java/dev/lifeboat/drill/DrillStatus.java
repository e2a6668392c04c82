package dev.lifeboat.drill;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.Optional;

/**
 * Each database's {@link DrillOverview} for {@code GET /api/v1/status}: the schedule and the next scheduled run (or
 * why scheduled drills do not run), a running drill, the last drill (outcome, backup, RTO, RPO, error), the last
 * pass, and whether restores are proven within {@code drill.max-age} ({@link #freshness}).
 */
@ApplicationScoped
public class DrillStatus {
    @Inject
    DrillService drills;

    @Inject
    DrillScheduler scheduler;

    @Inject
    ActiveConfig active;

    /** The drills of {@code database}, or empty when none is scheduled, running or recorded. */
    public Optional<DrillOverview> of(String database) {
        DrillPlan plan = scheduler.plan(database).orElse(null);
        Instant next = plan == null ? null : plan.nextRunAt();
        Instant running = drills.runningSince(database).orElse(null);
        DrillOverview.Outcomes outcomes = drills.state(database).map(DrillOverview.Outcomes::of).orElse(null);
        if (plan == null && running == null && outcomes == null) {
            return Optional.empty();
        }
        DrillFreshness freshness = freshness(database, Instant.now()).orElse(null);
        return Optional.of(new DrillOverview(next, running, outcomes, plan == null ? null : plan.schedule().text(),
                plan == null ? null : plan.off(), plan == null ? null : plan.waiting(),
                freshness != null && freshness.overdue() ? freshness.describe() : null));
    }

    /**
     * Whether {@code database}'s restores are proven within {@code drill.max-age} at {@code now}; empty outside the
     * agent and until its drill history has been read from the destination (unknown).
     */
    public Optional<DrillFreshness> freshness(String database, Instant now) {
        DatabaseConfig db = active.get().databases().get(database);
        if (db == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(DrillFreshness.judge(scheduler.plan(database).orElse(null), drills.state(database).orElse(null),
                db.drill(), now));
    }
}
