package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.AlertsConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Schedule;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code backup-stale}, {@code backup-failures} and {@code drill-failed} from the job outcomes reported through
 * {@link JobEvents} ({@code backup.<database>}, {@code drill.<database>}). Backup rules apply to every postgres
 * database (a database whose backups never run is exactly what {@code backup-stale} is for); the drill rule to
 * databases that have run a drill.
 */
@ApplicationScoped
public class JobConditionSource implements ConditionSource {
    @Inject
    ActiveConfig active;

    @Inject
    AlertService alerts;

    @Override
    public List<Condition> conditions(Instant now) {
        LifeboatConfig config = active.get();
        return conditions(config, alerts.runtime().jobs, now);
    }

    static List<Condition> conditions(LifeboatConfig config, JobHistory history, Instant now) {
        AlertsConfig.ThresholdsConfig t = config.alerts().thresholds();
        List<Condition> out = new ArrayList<>();
        config.databases().forEach((name, db) -> {
            if (db.type().equals("postgres")) {
                JobHistory.JobRecord backup = history.watch(JobEvents.backupJob(name), now);
                Duration maxAge = t.maxBackupAge().orElseGet(() -> defaultMaxAge(db, now));
                out.add(BackupStalenessRule.evaluate(name, backup.lastSuccessAt(), backup.firstSeenAt(), now, maxAge));
                out.add(ConsecutiveFailuresRule.evaluate(name, backup.consecutiveFailures(), backup.lastError(), t.consecutiveFailures()));
            }
            history.get(JobEvents.drillJob(name)).ifPresent(drill -> {
                if (drill.lastSuccessAt() != null || drill.lastFailureAt() != null) {
                    boolean passed = drill.consecutiveFailures() == 0;
                    out.add(DrillFailedRule.evaluate(name, passed, passed ? drill.lastSuccessAt() : drill.lastFailureAt(), drill.lastError()));
                }
            });
        });
        return out;
    }

    private static Duration defaultMaxAge(DatabaseConfig db, Instant now) {
        return BackupStalenessRule.defaultMaxAge(Schedule.parse(db.schedule()), db.timeout(), now);
    }
}
