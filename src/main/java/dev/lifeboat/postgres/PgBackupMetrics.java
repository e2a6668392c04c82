package dev.lifeboat.postgres;

import dev.lifeboat.runtime.FlyEnvironment;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * PostgreSQL backup state as Prometheus metrics (the status API reads {@link BackupState#status()}), tag
 * {@code database} plus the Fly labels:
 * {@code lifeboat_pg_backup_last_success_timestamp_seconds}, {@code lifeboat_pg_backup_last_failure_timestamp_seconds},
 * {@code lifeboat_pg_backup_last_duration_seconds}, {@code lifeboat_pg_backup_last_size_bytes},
 * {@code lifeboat_pg_backup_next_run_timestamp_seconds}, {@code lifeboat_pg_backup_consecutive_failures},
 * {@code lifeboat_pg_backup_running} (0/1), and the counters {@code lifeboat_pg_backup_skipped_ticks_total} and
 * {@code lifeboat_pg_backups_total{result="success|failure"}}. Unknown values are NaN.
 */
@ApplicationScoped
public class PgBackupMetrics {
    @Inject
    PgBackupService service;

    @Inject
    MeterRegistry registry;

    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    /** Registers the metrics of database {@code name} once. */
    public void register(String name) {
        if (!registered.add(name)) {
            return;
        }
        BackupState s = service.state(name);
        Tags tags = Tags.of("database", name).and(flyTags());
        gauge("lifeboat_pg_backup_last_success_timestamp_seconds", "End of the last successful backup (Unix time)", tags, s, st -> epoch(st.lastSuccessAt()));
        gauge("lifeboat_pg_backup_last_failure_timestamp_seconds", "Time of the last failed backup (Unix time)", tags, s, st -> epoch(st.lastFailureAt()));
        gauge("lifeboat_pg_backup_last_duration_seconds", "Duration of the last successful backup", tags, s, BackupState::lastDurationSeconds);
        gauge("lifeboat_pg_backup_last_size_bytes", "Stored size of the last successful backup", tags, s, BackupState::lastStoredBytes);
        gauge("lifeboat_pg_backup_next_run_timestamp_seconds", "When the next backup is due, a retry of a failed one included (Unix time)", tags, s, st -> epoch(st.nextRunAt()));
        gauge("lifeboat_pg_backup_consecutive_failures", "Failed backups since the last success", tags, s, BackupState::consecutiveFailures);
        gauge("lifeboat_pg_backup_running", "1 while a backup runs", tags, s, st -> st.running() ? 1 : 0);
        FunctionCounter.builder("lifeboat_pg_backup_skipped_ticks", s, BackupState::skippedTicks)
                .description("Scheduled backups skipped because one was still running (here or in another agent)").tags(tags).register(registry);
        FunctionCounter.builder("lifeboat_pg_backups", s, BackupState::successes)
                .description("Backups run, by result").tags(tags.and("result", "success")).register(registry);
        FunctionCounter.builder("lifeboat_pg_backups", s, BackupState::failures)
                .description("Backups run, by result").tags(tags.and("result", "failure")).register(registry);
    }

    private void gauge(String metric, String help, Tags tags, BackupState state, ToDoubleFunction<BackupState> value) {
        Gauge.builder(metric, state, value).description(help).tags(tags).strongReference(true).register(registry);
    }

    private static double epoch(Instant t) {
        return t == null ? Double.NaN : t.toEpochMilli() / 1000.0;
    }

    private static List<Tag> flyTags() {
        List<Tag> out = new ArrayList<>();
        FlyEnvironment.labels().forEach((k, v) -> out.add(Tag.of(k.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT), String.valueOf(v))));
        return out;
    }
}
