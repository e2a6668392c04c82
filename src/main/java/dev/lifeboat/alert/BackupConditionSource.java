package dev.lifeboat.alert;

import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.AlertsConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Schedule;
import dev.lifeboat.postgres.BackupState;
import dev.lifeboat.postgres.PgBackupService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code backup-stale} and {@code backup-failures} for every postgres database, from {@link PgBackupService}'s
 * per-database {@link BackupState} (seeded from the newest manifest at start, updated by every run). A database with
 * no successful backup at all counts its age from when Lifeboat first watched it (persisted in {@code jobs.json}, so
 * a crash-looping agent still alerts). Changes of that state also become healthchecks pings ({@link BackupJobBridge}).
 */
@ApplicationScoped
public class BackupConditionSource implements ConditionSource {
    @Inject
    ActiveConfig active;

    @Inject
    PgBackupService backups;

    @Inject
    AlertService alerts;

    @Inject
    JobEvents jobEvents;

    private final BackupJobBridge bridge = new BackupJobBridge();

    /** What the rules need of a database's backups. */
    record BackupFacts(Instant lastSuccessAt, int consecutiveFailures, String lastFailure) {
        static BackupFacts of(BackupState s) {
            return new BackupFacts(s.lastSuccessAt(), s.consecutiveFailures(), s.lastFailure());
        }
    }

    @Override
    public List<Condition> conditions(Instant now) {
        LifeboatConfig config = active.get();
        config.databases().forEach((name, db) -> {
            if (db.type() == DatabaseType.POSTGRES) {
                BackupState s = backups.state(name);
                var observation = new BackupJobBridge.Observation(s.running(), s.lastSuccessAt(), s.lastFailureAt(), s.lastFailure());
                for (BackupJobBridge.JobEvent e : bridge.observe("backup", name, observation)) {
                    jobEvents.report(e.kind(), JobEvents.backupJob(name), e.runId(), e.message());
                }
            }
        });
        return conditions(config, name -> BackupFacts.of(backups.state(name)), alerts.runtime().jobs, now);
    }

    static List<Condition> conditions(LifeboatConfig config, Function<String, BackupFacts> states, JobHistory history, Instant now) {
        AlertsConfig.ThresholdsConfig t = config.alerts().thresholds();
        List<Condition> out = new ArrayList<>();
        config.databases().forEach((name, db) -> {
            if (db.type() != DatabaseType.POSTGRES) {
                return;
            }
            BackupFacts state = states.apply(name);
            Instant watchingSince = history.watch(JobEvents.backupJob(name), now).firstSeenAt();
            Duration maxAge = t.maxBackupAge().orElseGet(() -> defaultMaxAge(db, now));
            out.add(BackupStalenessRule.evaluate(name, state.lastSuccessAt(), watchingSince, now, maxAge));
            out.add(ConsecutiveFailuresRule.evaluate(name, state.consecutiveFailures(), state.lastFailure(), t.consecutiveFailures()));
        });
        return out;
    }

    static Duration defaultMaxAge(DatabaseConfig db, Instant now) {
        return BackupStalenessRule.defaultMaxAge(db.schedule(), db.timeout(), now);
    }
}
