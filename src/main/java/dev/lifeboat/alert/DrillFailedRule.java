package dev.lifeboat.alert;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code drill-failed}: the last restore drill of a database failed; resolves when a drill passes. */
public final class DrillFailedRule {
    public static final String ID = "drill-failed";
    public static final Severity SEVERITY = Severity.WARNING;

    private DrillFailedRule() {
    }

    /**
     * @param database  the database (the subject)
     * @param passed    whether the most recent drill passed
     * @param finishedAt when it finished
     * @param error     why it failed (free of secrets), or null
     */
    public static Condition evaluate(String database, boolean passed, Instant finishedAt, String error) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("finishedAt", String.valueOf(finishedAt));
        if (error != null) {
            values.put("error", error);
        }
        String summary = passed ? "last restore drill of database " + database + " passed"
                : "restore drill of database " + database + " failed" + (error != null ? ": " + error : "")
                  + "; its backups may not be restorable";
        return new Condition(ID, database, SEVERITY, !passed, summary, Map.of("database", database), values);
    }
}
