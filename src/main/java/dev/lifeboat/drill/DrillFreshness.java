package dev.lifeboat.drill;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.runtime.Human;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a database's restores are proven recently enough: its newest passing drill against {@code drill.max-age}.
 * Status shows it and the {@code drill-overdue} alert fires from it.
 *
 * <p>Overdue: the newest passing drill is older than max-age; or there is none and scheduled drills are off or
 * impossible, or the first drill after start was due longer ago than {@code drill.timeout} (so a fresh agent is not
 * degraded before it had the chance to drill).
 *
 * @param overdue      restores are not proven recently enough
 * @param lastPassedAt end of the newest passing drill, null when none passed
 * @param age          how long ago that was, null when none passed
 * @param maxAge       {@code drill.max-age}
 * @param why          why no recent drill passed (drills off, a role that cannot create databases, drills failing,
 *                     nothing to restore yet), null when not overdue
 */
public record DrillFreshness(boolean overdue, Instant lastPassedAt, Duration age, Duration maxAge, String why) {

    /** Judges one database; null while its drill history is not read yet (nothing known). */
    static DrillFreshness judge(DrillPlan plan, DrillService.DrillState state, DatabaseConfig.DrillConfig settings, Instant now) {
        if (plan == null || !plan.historyRead()) {
            return null;
        }
        DrillRecord last = state == null ? null : state.last();
        DrillRecord passed = state == null ? null : state.lastPassed();
        Duration maxAge = settings.maxAge();
        boolean overdue;
        Duration age = null;
        if (passed != null) {
            age = Duration.between(passed.finishedAt(), now);
            overdue = age.compareTo(maxAge) > 0;
        } else {
            overdue = plan.off() != null || (plan.firstDueAt() != null && now.isAfter(plan.firstDueAt().plus(settings.timeout())));
        }
        return new DrillFreshness(overdue, passed == null ? null : passed.finishedAt(), age, maxAge, overdue ? why(plan, last, passed) : null);
    }

    /** One sentence for status and alerts: how old the newest passing drill is (or that there is none), and why. */
    public String describe() {
        String proof = lastPassedAt == null ? "no restore drill has passed"
                : "the newest passing restore drill is " + Human.duration(age) + " old";
        return proof + (overdue ? " (drill.max-age " + Human.duration(maxAge) + "): " + why : " (drill.max-age " + Human.duration(maxAge) + ")");
    }

    private static String why(DrillPlan plan, DrillRecord last, DrillRecord passed) {
        if (plan.off() != null) {
            return plan.off();
        }
        if (last != null && !last.passed()) {
            CheckResult check = last.firstFailedCheck();
            return "drills failing: " + (last.error() != null ? last.error()
                    : check != null ? "check " + check.name() + " failed" : "the last drill " + last.outcome());
        }
        if (plan.waiting() != null) {
            return plan.waiting();
        }
        return passed == null ? "no drill has run yet" : "no drill has passed since " + passed.finishedAt();
    }
}
