package dev.lifeboat.alert;

import java.util.List;
import java.util.Map;

/** {@code config-invalid}: the configuration file on disk no longer loads (the agent keeps running on the last good one). */
public final class ConfigInvalidRule {
    public static final String ID = "config-invalid";
    public static final Severity SEVERITY = Severity.WARNING;
    static final String SUBJECT = "config";

    private ConfigInvalidRule() {
    }

    /** @param problems the problems found (messages name keys, never values of secrets) */
    public static Condition evaluate(String file, List<String> problems) {
        boolean firing = !problems.isEmpty();
        String summary = firing ? file + " is invalid (" + problems.size() + " problem(s)): " + String.join("; ", problems.subList(0, Math.min(3, problems.size())))
                : file + " is valid";
        return new Condition(ID, SUBJECT, SEVERITY, firing, summary, Map.of("file", file), Map.of("problems", Integer.toString(problems.size())));
    }
}
