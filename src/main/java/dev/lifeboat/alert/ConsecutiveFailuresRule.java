package dev.lifeboat.alert;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code backup-failures}: the last {@code alerts.thresholds.consecutive-failures} backups of a database all failed. */
public final class ConsecutiveFailuresRule {
    public static final String ID = "backup-failures";
    public static final Severity SEVERITY = Severity.WARNING;

    private ConsecutiveFailuresRule() {
    }

    /**
     * @param database            the database (the subject)
     * @param consecutiveFailures failed runs since the last successful one (0 after a success)
     * @param lastError           the last failure's message, already free of secrets; may be null
     * @param threshold           how many failures in a row fire
     */
    public static Condition evaluate(String database, int consecutiveFailures, String lastError, int threshold) {
        boolean firing = consecutiveFailures >= threshold;
        Map<String, String> values = new LinkedHashMap<>();
        values.put("consecutiveFailures", Integer.toString(consecutiveFailures));
        values.put("threshold", Integer.toString(threshold));
        if (lastError != null) {
            values.put("lastError", lastError);
        }
        String summary = consecutiveFailures + " backup(s) of database " + database + " failed in a row"
                + (lastError != null && consecutiveFailures > 0 ? "; last error: " + lastError : "");
        return new Condition(ID, database, SEVERITY, firing, summary, Map.of("database", database), values);
    }
}
