package dev.lifeboat.alert;

import dev.lifeboat.store.Destinations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** {@code destination-unreachable} from the background reachability checks ({@link Destinations#lastChecks()}). */
@ApplicationScoped
public class DestinationConditionSource implements ConditionSource {
    @Inject
    Destinations destinations;

    @Override
    public List<Condition> conditions(Instant now) {
        List<Condition> out = new ArrayList<>();
        destinations.lastChecks().forEach((name, r) ->
                out.add(DestinationUnreachableRule.evaluate(name, r.reachable(), r.error(), r.checkedAt())));
        return out;
    }
}
