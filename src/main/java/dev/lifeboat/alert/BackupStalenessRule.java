package dev.lifeboat.alert;

import dev.lifeboat.config.Schedule;
import dev.lifeboat.runtime.Human;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code backup-stale}: no successful backup of a database within {@code alerts.thresholds.max-backup-age}. */
public final class BackupStalenessRule {
    public static final String ID = "backup-stale";
    public static final Severity SEVERITY = Severity.CRITICAL;

    private BackupStalenessRule() {
    }

    /**
     * @param database      the database's name (the subject)
     * @param lastSuccess   when its newest successful backup finished (from the catalog's manifests), or null if none
     * @param watchingSince when Lifeboat started watching it (agent start): with no backup at all, the age counts from here
     * @param now           the evaluation time
     * @param maxAge        the threshold
     */
    public static Condition evaluate(String database, Instant lastSuccess, Instant watchingSince, Instant now, Duration maxAge) {
        Instant reference = lastSuccess != null ? lastSuccess : watchingSince;
        Duration age = Duration.between(reference, now);
        boolean firing = age.compareTo(maxAge) > 0;
        Map<String, String> values = new LinkedHashMap<>();
        values.put("lastSuccess", lastSuccess == null ? "never" : lastSuccess.toString());
        values.put("age", age.toString());
        values.put("maxAge", maxAge.toString());
        String summary = lastSuccess == null
                ? "database " + database + " has no successful backup in the " + Human.duration(age) + " Lifeboat has watched it (limit " + Human.duration(maxAge) + ")"
                : "newest successful backup of database " + database + " is " + Human.duration(age) + " old (limit " + Human.duration(maxAge) + ")";
        return new Condition(ID, database, SEVERITY, firing, summary + (firing ? "; check the backup job's errors in /api/v1/status" : ""),
                Map.of("database", database), values);
    }

    /**
     * The default {@code max-backup-age} for a database: twice the gap between two scheduled runs after {@code now},
     * plus the time one backup may take. One missed run is tolerated, two are not.
     */
    public static Duration defaultMaxAge(Schedule schedule, Duration backupTimeout, Instant now) {
        Instant first = schedule.next(now);
        Duration gap = Duration.between(first, schedule.next(first));
        return gap.multipliedBy(2).plus(backupTimeout);
    }
}
