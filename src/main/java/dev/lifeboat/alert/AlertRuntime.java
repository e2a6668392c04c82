package dev.lifeboat.alert;

import dev.lifeboat.config.AlertsConfig;
import dev.lifeboat.runtime.Backoff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The alerting machinery built for one configuration: sinks, lifecycle, state store, outbox, evaluator and
 * deliverer. Plain objects (no CDI) so tests build it with their own clock and randomness.
 */
final class AlertRuntime implements AutoCloseable {
    /** Preferred home of persistent state on a server (a Fly volume is usually mounted under it or at /data). */
    static final Path SYSTEM_STATE_DIR = Path.of("/var/lib/lifeboat");
    /** Fallback under the working directory, next to the demo configuration's data. */
    static final Path LOCAL_STATE_DIR = Path.of(".lifeboat", "state");

    final AlertsConfig config;
    final Map<String, Sink> sinks;
    final Path stateDir;
    final Outbox outbox;
    final Alerter alerter;
    final Deliverer deliverer;
    final JobHistory jobs;
    final PersistenceHealth persistence;
    /** The dead man's switch, null when {@code alerts.heartbeat} is not configured. */
    final Heartbeat heartbeat;

    private AlertRuntime(AlertsConfig config, Map<String, Sink> sinks, Path stateDir, Outbox outbox, Alerter alerter, Deliverer deliverer,
                         JobHistory jobs, PersistenceHealth persistence, Heartbeat heartbeat) {
        this.persistence = persistence;
        this.heartbeat = heartbeat;
        this.config = config;
        this.sinks = sinks;
        this.stateDir = stateDir;
        this.outbox = outbox;
        this.alerter = alerter;
        this.deliverer = deliverer;
        this.jobs = jobs;
    }

    /**
     * Builds the machinery. A state directory that cannot be created (a full or read-only volume) does not stop
     * alerting: it runs from memory and reports {@code alert-state-unwritable}.
     */
    static AlertRuntime create(AlertsConfig config, Clock clock, RandomGenerator random, Map<String, String> baseLabels,
                               Deliverer.Listener listener) {
        Map<String, Sink> sinks = new LinkedHashMap<>();
        new java.util.TreeMap<>(config.sinks()).forEach((name, c) -> sinks.put(name, Sink.of(name, c)));
        Path stateDir = stateDir(config);
        PersistenceHealth persistence = new PersistenceHealth(clock);
        AlertStateStore store = new AlertStateStore(stateDir);
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            persistence.failed(PersistenceHealth.Target.STATE_FILE, stateDir, e);
        }
        Outbox outbox = new Outbox(config.outboxDir().map(Path::of).orElse(stateDir.resolve("outbox")), persistence);
        AlertLifecycle lifecycle = new AlertLifecycle(config.pendingFor(), config.repeatInterval(), config.keepResolved(),
                c -> config.severity().containsKey(c.rule()) ? Severity.parse(config.severity().get(c.rule())) : c.severity());
        Alerter alerter = new Alerter(lifecycle, store, outbox, sinks, baseLabels, clock, persistence);
        var d = config.delivery();
        Deliverer deliverer = new Deliverer(outbox, sinks, clock, random, new Backoff(d.initialBackoff(), d.maxBackoff()),
                d.maxAttempts(), d.timeout(), listener);
        Heartbeat heartbeat = config.heartbeat().map(h -> new Heartbeat(h, config.evaluateInterval(), d.timeout(), clock, deliverer::http)).orElse(null);
        return new AlertRuntime(config, sinks, stateDir, outbox, alerter, deliverer, new JobHistory(stateDir), persistence, heartbeat);
    }

    /** The verdict of the current alert states. */
    Verdict verdict() {
        return Verdict.of(alerter.states().values());
    }

    /** {@code alerts.state-dir}, else {@code /var/lib/lifeboat/alerts} if that parent is writable, else {@code .lifeboat/state/alerts}. */
    static Path stateDir(AlertsConfig config) {
        if (config.stateDir().isPresent()) {
            return Path.of(config.stateDir().get());
        }
        Path base = Files.isDirectory(SYSTEM_STATE_DIR) && Files.isWritable(SYSTEM_STATE_DIR) ? SYSTEM_STATE_DIR : LOCAL_STATE_DIR;
        return base.resolve("alerts");
    }

    @Override
    public void close() {
        deliverer.close(); // the heartbeat's client too
    }
}
