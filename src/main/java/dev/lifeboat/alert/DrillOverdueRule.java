package dev.lifeboat.alert;

import dev.lifeboat.drill.DrillFreshness;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code drill-overdue}: no restore drill of a database passed within {@code drill.max-age} (default 31d), or none
 * ever did and scheduled drills are off, impossible or past their first due time; the verdict is degraded. Resolves
 * when a drill passes.
 */
public final class DrillOverdueRule {
    public static final String ID = "drill-overdue";
    public static final Severity SEVERITY = Severity.WARNING;

    private DrillOverdueRule() {
    }

    /**
     * @param database  the database (the subject)
     * @param freshness its newest passing drill against max-age, with the reason when overdue
     */
    public static Condition evaluate(String database, DrillFreshness freshness) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("lastPassedAt", freshness.lastPassedAt() == null ? "never" : freshness.lastPassedAt().toString());
        values.put("age", freshness.age() == null ? "never drilled" : freshness.age().toString());
        values.put("maxAge", freshness.maxAge().toString());
        if (freshness.why() != null) {
            values.put("why", freshness.why());
        }
        String summary = "restores of database " + database + (freshness.overdue() ? " are not proven: " : " are proven: ")
                + freshness.describe();
        return new Condition(ID, database, SEVERITY, freshness.overdue(), summary, Map.of("database", database), values);
    }
}
