package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code drill-failed} from the drill outcomes reported through {@link JobEvents} ({@code drill.<database>}): fires
 * when the last drill of a database failed, resolves when one passes. Databases that never ran a drill report nothing.
 */
@ApplicationScoped
public class JobConditionSource implements ConditionSource {
    @Inject
    ActiveConfig active;

    @Inject
    AlertService alerts;

    @Override
    public List<Condition> conditions(Instant now) {
        return conditions(active.get(), alerts.runtime().jobs);
    }

    static List<Condition> conditions(LifeboatConfig config, JobHistory history) {
        List<Condition> out = new ArrayList<>();
        for (String name : config.databases().keySet()) {
            history.get(JobEvents.drillJob(name)).ifPresent(drill -> {
                if (drill.lastSuccessAt() != null || drill.lastFailureAt() != null) {
                    boolean passed = drill.consecutiveFailures() == 0;
                    out.add(DrillFailedRule.evaluate(name, passed, passed ? drill.lastSuccessAt() : drill.lastFailureAt(), drill.lastError()));
                }
            });
        }
        return out;
    }
}
