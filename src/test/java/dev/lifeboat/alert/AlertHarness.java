package dev.lifeboat.alert;

import dev.lifeboat.config.AlertsConfig;
import dev.lifeboat.testing.TestConfigs;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds an {@link AlertRuntime} from YAML as a user writes it, with a hand-moved clock and seeded jitter. */
final class AlertHarness {
    static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");
    static final Map<String, String> FLY = Map.of("app", "myapp", "region", "ams", "machine", "m1");

    final MutableClock clock = new MutableClock(T0);
    final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    final List<Condition> conditions = new ArrayList<>();
    final ConditionSource source = now -> List.copyOf(conditions);

    /** {@code alerts:} section body (indented by two spaces) plus a state-dir under {@code dir}. */
    static AlertsConfig config(Path dir, String alertsYaml) {
        String yaml = "alerts:\n  state-dir: " + dir.resolve("state") + "\n" + alertsYaml;
        return TestConfigs.parse(yaml).alerts();
    }

    AlertRuntime runtime(AlertsConfig config) {
        return AlertRuntime.create(config, clock, new Random(42), FLY,
                (sink, outcome) -> outcomes.computeIfAbsent(sink + ":" + outcome, k -> new AtomicInteger()).incrementAndGet());
    }

    int outcome(String sink, Deliverer.Outcome o) {
        AtomicInteger n = outcomes.get(sink + ":" + o);
        return n == null ? 0 : n.get();
    }

    static Condition staleBackup(boolean firing) {
        return new Condition("backup-stale", "app", Severity.CRITICAL, firing,
                firing ? "newest backup is 26h old" : "newest backup is 1h old", Map.of("database", "app"),
                Map.of("age", firing ? "PT26H" : "PT1H"));
    }

    void set(Condition... cs) {
        conditions.clear();
        conditions.addAll(List.of(cs));
    }
}
