package dev.lifeboat.alert;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.Map;
import java.util.Objects;

/**
 * What one rule currently observes about one subject: the input of the alert lifecycle.
 *
 * @param rule     rule id, one of {@link dev.lifeboat.config.AlertsConfig#RULE_IDS} ({@code backup-stale})
 * @param subject  what the rule is about: a database, volume or destination name ({@code app})
 * @param severity how urgent it is when firing (the configuration's {@code alerts.severity} may override it)
 * @param firing   true while the bad condition holds; a condition reported with {@code firing=false} (or no longer
 *                 reported at all) resolves the alert
 * @param summary  one human sentence saying what is wrong and, where known, what to do; never a secret
 * @param labels   extra identifying labels ({@code database=app}); merged with Fly's labels in notifications
 * @param values   observed values as text ({@code lastSuccess=2026-11-23T03:00:00Z}, {@code age=26h})
 */
@RegisterForReflection
public record Condition(String rule, String subject, Severity severity, boolean firing, String summary,
                        Map<String, String> labels, Map<String, String> values) {
    public Condition {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(severity, "severity");
        summary = summary == null ? "" : summary;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        values = values == null ? Map.of() : Map.copyOf(values);
    }

    /** The dedup key: one alert per rule and subject. */
    public String key() {
        return key(rule, subject);
    }

    static String key(String rule, String subject) {
        return rule + "/" + subject;
    }
}
