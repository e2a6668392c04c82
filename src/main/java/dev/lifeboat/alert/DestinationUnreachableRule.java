package dev.lifeboat.alert;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code destination-unreachable}: the last check of a destination (bucket or directory) failed. */
public final class DestinationUnreachableRule {
    public static final String ID = "destination-unreachable";
    public static final Severity SEVERITY = Severity.CRITICAL;

    private DestinationUnreachableRule() {
    }

    /** @param error the check's error, already free of secrets (stores never put keys in messages) */
    public static Condition evaluate(String destination, boolean reachable, String error, Instant checkedAt) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("checkedAt", String.valueOf(checkedAt));
        if (!reachable && error != null) {
            values.put("error", error);
        }
        String summary = reachable ? "destination " + destination + " is reachable"
                : "destination " + destination + " is unreachable" + (error != null ? ": " + error : "")
                  + "; backups and replication to it fail until it is back";
        return new Condition(ID, destination, SEVERITY, !reachable, summary, Map.of("destination", destination), values);
    }
}
