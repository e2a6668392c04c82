package dev.lifeboat.drill;

import dev.lifeboat.config.Schedule;

import java.time.Instant;

/**
 * What the agent's {@link DrillScheduler} intends for one database's drills, known once its drill history has been
 * read back from the destination at start.
 *
 * @param schedule       {@code drill.schedule}, or its type's default
 * @param agentStartedAt when the scheduler started
 * @param firstDueAt     when the first drill after start was due ({@code drill.first-delay} after start, or the
 *                       schedule's first run if sooner); null when scheduled drills are off
 * @param nextRunAt      when the scheduler next looks at this database; null when scheduled drills are off
 * @param off            why scheduled drills do not run ({@code drill.enabled: false}, a role that cannot create the
 *                       scratch database), null while they do
 * @param waiting        why the first drill waits (nothing to restore yet), null otherwise
 * @param historyRead    the destination's drill history has been read: until then, that the database has no passing
 *                       drill is not known
 */
public record DrillPlan(Schedule schedule, Instant agentStartedAt, Instant firstDueAt, Instant nextRunAt, String off, String waiting,
                        boolean historyRead) {

    DrillPlan withNextRunAt(Instant next) {
        return new DrillPlan(schedule, agentStartedAt, firstDueAt, next, off, waiting, historyRead);
    }

    DrillPlan withOff(String reason) {
        return new DrillPlan(schedule, agentStartedAt, firstDueAt, nextRunAt, reason, waiting, historyRead);
    }

    DrillPlan withWaiting(String reason) {
        return new DrillPlan(schedule, agentStartedAt, firstDueAt, nextRunAt, off, reason, historyRead);
    }
}
