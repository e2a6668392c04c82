package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.List;

/** {@code config-invalid}: the last load of the configuration file found problems. */
@ApplicationScoped
public class ConfigConditionSource implements ConditionSource {
    @Inject
    ActiveConfig active;

    @Override
    public List<Condition> conditions(Instant now) {
        return List.of(ConfigInvalidRule.evaluate(active.path().toString(), active.problems().stream().map(Object::toString).toList()));
    }
}
