package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.drill.CheckResult;
import dev.lifeboat.drill.DrillRecord;
import dev.lifeboat.drill.DrillService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code drill-failed} from {@link DrillService}'s state: fires while the most recent restore drill of a database
 * failed (or was refused), resolves when one passes; databases that never ran a drill report nothing. Drill runs also
 * become healthchecks pings for job {@code drill.<database>} ({@link BackupJobBridge}).
 */
@ApplicationScoped
public class DrillConditionSource implements ConditionSource {
    @Inject
    ActiveConfig active;

    @Inject
    DrillService drills;

    @Inject
    JobEvents jobEvents;

    private final BackupJobBridge bridge = new BackupJobBridge();

    @Override
    public List<Condition> conditions(Instant now) {
        List<Condition> out = new ArrayList<>();
        for (String name : active.get().databases().keySet()) {
            var state = drills.state(name);
            DrillRecord last = state.map(DrillService.DrillState::last).orElse(null);
            DrillRecord lastPassed = state.map(DrillService.DrillState::lastPassed).orElse(null);
            var observation = new BackupJobBridge.Observation(drills.runningSince(name).isPresent(),
                    lastPassed == null ? null : lastPassed.finishedAt(),
                    last == null || last.passed() ? null : last.finishedAt(), last == null ? null : reason(last));
            for (BackupJobBridge.JobEvent e : bridge.observe("drill", name, observation)) {
                jobEvents.report(e.kind(), JobEvents.drillJob(name), e.runId(), e.message());
            }
            if (last != null) {
                out.add(condition(name, last));
            }
        }
        return out;
    }

    static Condition condition(String database, DrillRecord last) {
        return DrillFailedRule.evaluate(database, last.passed(), last.finishedAt(), last.passed() ? null : reason(last));
    }

    /** The drill's error, else its first failed check, else its outcome. */
    static String reason(DrillRecord r) {
        if (r.error() != null) {
            return r.error();
        }
        CheckResult failed = r.firstFailedCheck();
        if (failed != null) {
            return "check " + failed.name() + " failed" + (failed.message() != null ? ": " + failed.message() : "");
        }
        return r.passed() ? null : r.outcome();
    }
}
