package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.drill.DrillStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code drill-overdue} from the drill status's {@link dev.lifeboat.drill.DrillFreshness}: one condition per database
 * once the agent has read its drill history back from the destination; nothing before (unknown), and nothing outside
 * the agent, where no drills are scheduled.
 */
@ApplicationScoped
public class DrillOverdueConditionSource implements ConditionSource {
    @Inject
    ActiveConfig active;

    @Inject
    DrillStatus drills;

    @Override
    public List<Condition> conditions(Instant now) {
        List<Condition> out = new ArrayList<>();
        for (String name : active.get().databases().keySet()) {
            drills.freshness(name, now).ifPresent(f -> out.add(DrillOverdueRule.evaluate(name, f)));
        }
        return out;
    }
}
