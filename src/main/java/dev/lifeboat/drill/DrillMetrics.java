package dev.lifeboat.drill;

import dev.lifeboat.runtime.FlyEnvironment;
import dev.lifeboat.drill.DrillService.DrillState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Prometheus metrics of restore drills, tagged {@code database} (and Fly's labels):
 * {@code lifeboat_drill_last_success_timestamp_seconds}, {@code lifeboat_drill_last_passed} (0/1),
 * {@code lifeboat_drill_duration_seconds} and {@code lifeboat_drill_restore_seconds} (RTO) of the last drill,
 * {@code lifeboat_drill_rpo_seconds} (age of the data the last passed drill restored), {@code lifeboat_drill_consecutive_failures}
 * and the counter {@code lifeboat_drill_failures_total} (failed or refused drills run by this process). Unknown values are NaN.
 */
@ApplicationScoped
public class DrillMetrics {
    @Inject
    MeterRegistry registry;

    private final Map<String, DrillState> latest = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    /** Registers the gauges of {@code database} (idempotent), so they exist before its first drill. */
    public void register(String database) {
        if (!registered.add(database)) {
            return;
        }
        Tags tags = Tags.of("database", database).and(flyTags());
        gauge("lifeboat_drill_last_success_timestamp_seconds", "Unix time the last passed restore drill finished", tags, database,
                s -> s.lastPassed() == null ? Double.NaN : s.lastPassed().finishedAt().toEpochMilli() / 1000.0);
        gauge("lifeboat_drill_last_passed", "1 when the most recent restore drill passed", tags, database, s -> s.last().passed() ? 1 : 0);
        gauge("lifeboat_drill_duration_seconds", "Duration of the most recent restore drill", tags, database, s -> s.last().durationMillis() / 1000.0);
        gauge("lifeboat_drill_restore_seconds", "Download, verify and restore time of the most recent drill (RTO)", tags, database,
                s -> s.last().restoreMillis() == null ? Double.NaN : s.last().restoreMillis() / 1000.0);
        gauge("lifeboat_drill_rpo_seconds", "Age of the data the last passed drill restored, at its start (RPO)", tags, database,
                s -> s.lastPassed() == null || s.lastPassed().rpoSeconds() == null ? Double.NaN : s.lastPassed().rpoSeconds());
        gauge("lifeboat_drill_consecutive_failures", "Restore drills failed or refused since the last pass", tags, database,
                DrillState::consecutiveFailures);
        failures(database);
    }

    private Counter failures(String database) {
        return Counter.builder("lifeboat_drill_failures").description("Restore drills that failed or were refused")
                .tags(Tags.of("database", database).and(flyTags())).register(registry);
    }

    void recorded(DrillRecord r, DrillState state) {
        register(r.database());
        latest.put(r.database(), state);
    }

    /** Counts a drill this process ran that did not pass. */
    void failed(String database) {
        register(database);
        failures(database).increment();
    }

    private void gauge(String metric, String help, Tags tags, String database, ToDoubleFunction<DrillState> value) {
        Gauge.builder(metric, latest, m -> {
            DrillState s = m.get(database);
            return s == null || s.last() == null ? Double.NaN : value.applyAsDouble(s);
        }).description(help).tags(tags).strongReference(true).register(registry);
    }

    private static List<Tag> flyTags() {
        List<Tag> out = new ArrayList<>();
        FlyEnvironment.labels().forEach((k, v) -> out.add(Tag.of(k.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT), v)));
        return out;
    }
}
