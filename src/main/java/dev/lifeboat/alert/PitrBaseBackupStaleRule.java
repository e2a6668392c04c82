package dev.lifeboat.alert;

import dev.lifeboat.config.Schedule;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code pitr-base-backup-stale}: a PITR database's newest base backup is older than two of its
 * {@code pitr.base-backup-schedule} ticks (one missed tick is tolerated: a backup may still run), or none was ever
 * taken and the last attempt failed. Old base backups make restores replay ever more WAL and keep ever more WAL
 * in the destination. Resolves with the next base backup.
 */
public final class PitrBaseBackupStaleRule {
    public static final String ID = "pitr-base-backup-stale";
    public static final Severity SEVERITY = Severity.WARNING;

    private PitrBaseBackupStaleRule() {
    }

    /**
     * @param newest    when the newest base backup became consistent, or null when there is none
     * @param lastError the last failure since it, or null
     */
    public static Condition evaluate(String database, Schedule schedule, Instant newest, String lastError, Instant now) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("lastBaseBackupAt", newest == null ? "never" : newest.toString());
        values.put("schedule", schedule.toString());
        if (lastError != null) {
            values.put("lastError", lastError);
        }
        boolean firing;
        String summary;
        if (newest == null) {
            firing = true;
            summary = "database " + database + " has no PITR base backup; the last attempt failed: " + lastError;
        } else {
            Instant due = schedule.next(schedule.next(newest));
            firing = now.isAfter(due);
            summary = "the newest PITR base backup of database " + database + " is from " + newest
                    + (firing ? ", more than two scheduled runs ago" : "") + (lastError != null ? "; the last attempt failed: " + lastError : "");
        }
        return new Condition(ID, database, SEVERITY, firing, summary, Map.of("database", database), values);
    }
}
