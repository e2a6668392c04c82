package dev.lifeboat.volume;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.DaemonScheduler;
import dev.lifeboat.runtime.FailureLog;
import dev.lifeboat.runtime.FlyEnvironment;
import dev.lifeboat.runtime.Human;
import dev.lifeboat.runtime.TrackedRun;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * Checks every configured volume every {@code check-interval} while the agent runs, keeps the latest
 * {@link VolumeReport} of each, fires it as a CDI event ({@code @Observes VolumeReport}) and exposes it as metrics.
 * Each volume has its own thread, so a hung disk stalls only its own checks.
 *
 * <p>Metrics (gauges, tag {@code volume} plus the Fly labels {@code app}, {@code region}, {@code machine},
 * {@code process_group} where set): {@code lifeboat_volume_mounted} and {@code lifeboat_volume_read_only} (0/1),
 * {@code lifeboat_volume_healthy} (0/1), {@code lifeboat_volume_free_bytes}, {@code lifeboat_volume_size_bytes},
 * {@code lifeboat_volume_free_inodes}, {@code lifeboat_volume_fsync_latency_seconds},
 * {@code lifeboat_volume_growth_bytes_per_second}, {@code lifeboat_volume_seconds_until_full} and
 * {@code lifeboat_volume_condition{condition="low_space"}} (1 while that condition fails). Unknown values are NaN.
 */
@ApplicationScoped
public class VolumeMonitor {
    private static final Logger LOG = Logger.getLogger(VolumeMonitor.class);

    @Inject
    MeterRegistry registry;

    @Inject
    Event<VolumeReport> events;

    private final Map<String, VolumeReport> latest = new ConcurrentHashMap<>();
    private final Map<String, VolumeChecker> checkers = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> sequences = new ConcurrentHashMap<>();
    private final Map<String, Instant> running = new ConcurrentHashMap<>();
    private final Map<String, Duration> hangAfter = new ConcurrentHashMap<>();
    /** A check that throws every interval is logged once, then once a minute (its conditions: {@link #logChanges}). */
    private final Map<String, FailureLog> checkFailures = new ConcurrentHashMap<>();
    /** A check is called hung after two check intervals, but never sooner than this. */
    static final Duration MIN_HANG = Duration.ofSeconds(5);
    private final List<ScheduledExecutorService> executors = new ArrayList<>();
    /** Each volume's check thread, by volume: checks asked for run there too, never beside a scheduled one. */
    private final Map<String, ScheduledExecutorService> threads = new ConcurrentHashMap<>();
    /** The check of every volume asked for and not yet done: a second request joins it. */
    private final AtomicReference<TrackedRun<List<VolumeReport>>> checkRun = new AtomicReference<>();

    void onAgentStarted(@Observes AgentStarted started) {
        start(started.config());
    }

    /**
     * Starts checking the volumes of {@code config}; the first check of each runs at once. Called again (a new
     * configuration), it stops the previous checks and forgets their reports first.
     */
    public void start(LifeboatConfig config) {
        FlyMachinesClient fly = FlyMachinesClient.Settings.from(config.fly(), System.getenv()).map(FlyMachinesClient::new).orElse(null);
        String machine = System.getenv("FLY_MACHINE_ID");
        start(config, name -> new VolumeChecker(name, config, fly, machine));
        if (fly != null && !config.volumes().isEmpty()) {
            LOG.infof("asking the Fly Machines API at %s about the volumes of app %s", fly.settings().baseUrl(), fly.settings().app());
        }
    }

    /** {@link #start(LifeboatConfig)} with the checkers made by {@code checkers} (tests substitute their own). */
    synchronized void start(LifeboatConfig config, java.util.function.Function<String, VolumeChecker> newChecker) {
        stop();
        for (String name : config.volumes().keySet()) {
            VolumeChecker checker = newChecker.apply(name);
            checkers.put(name, checker);
            hangAfter.put(name, max(config.volumes().get(name).checkInterval().multipliedBy(2), MIN_HANG));
            registerMetrics(name);
            ScheduledExecutorService executor = DaemonScheduler.named("lifeboat-volume-" + name);
            executors.add(executor);
            threads.put(name, executor);
            long every = config.volumes().get(name).checkInterval().toMillis();
            executor.scheduleWithFixedDelay(() -> { runCheck(checker); }, 0, every, TimeUnit.MILLISECONDS);
        }
        if (!config.volumes().isEmpty()) {
            LOG.infof("checking %d volume(s)", config.volumes().size());
        }
    }

    private FailureLog checkFailures(String volume) {
        return checkFailures.computeIfAbsent(volume, v -> new FailureLog(LOG, "volume " + v + ": check"));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * Checks every volume now, each on its own check thread, or joins the check asked for and not yet done. The run's
     * result is the new reports; it fails naming the volume whose check failed unexpectedly.
     */
    public synchronized TrackedRun.Claim<List<VolumeReport>> checkAllOrJoin(String trigger) {
        TrackedRun<List<VolumeReport>> held = checkRun.get();
        if (held != null) {
            return new TrackedRun.Claim<>(held, true);
        }
        TrackedRun<List<VolumeReport>> run = new TrackedRun<>("volume-check", null, trigger);
        checkRun.set(run);
        run.started("checking");
        List<CompletableFuture<VolumeReport>> checks = new ArrayList<>();
        Map<String, VolumeChecker> now = new TreeMap<>(checkers);
        try {
            now.forEach((name, checker) -> checks.add(CompletableFuture.supplyAsync(() -> {
                try (TrackedRun.LogScope ignored = TrackedRun.LogScope.of(null, run.id())) {
                    VolumeReport r = runCheck(checker);
                    if (r == null) {
                        throw new IllegalStateException("the check of volume " + name + " failed unexpectedly (see the log)");
                    }
                    return r;
                }
            }, threads.get(name))));
        } catch (RuntimeException e) {
            checks.add(CompletableFuture.failedFuture(e)); // a thread already stopped
        }
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).whenComplete((done, failed) -> {
            checkRun.compareAndSet(run, null);
            if (failed != null) {
                run.failed(failed instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : failed);
            } else {
                run.succeeded(checks.stream().map(CompletableFuture::join).toList());
            }
        });
        return new TrackedRun.Claim<>(run, false);
    }

    /** One check of {@code checker}'s volume: its report, or null when the check failed unexpectedly (logged). */
    private VolumeReport runCheck(VolumeChecker checker) {
        running.put(checker.name(), Instant.now());
        try {
            long n = sequences.computeIfAbsent(checker.name(), k -> new AtomicLong()).incrementAndGet();
            VolumeReport report = checker.check(n, false);
            VolumeReport previous = latest.put(checker.name(), report);
            logChanges(previous, report);
            if (events != null) {
                events.fire(report);
            }
            checkFailures(checker.name()).succeeded();
            return report;
        } catch (RuntimeException e) {
            LOG.debugf(e, "volume check of '%s' failed unexpectedly", checker.name());
            checkFailures(checker.name()).failed("unexpectedly: " + e);
            return null;
        } finally {
            running.remove(checker.name());
        }
    }

    /**
     * The latest report, plus {@code probe_failed} when the check running now has hung for longer than two check
     * intervals (at least {@link #MIN_HANG}): a disk that stops answering blocks the probe forever, and without this
     * the last, healthy report would be shown for ever.
     */
    private VolumeReport current(String name) {
        VolumeReport r = latest.get(name);
        Instant since = running.get(name);
        Duration limit = hangAfter.get(name);
        if (r == null || since == null || limit == null) {
            return r;
        }
        Duration hung = Duration.between(since, Instant.now());
        if (hung.compareTo(limit) <= 0) {
            return r;
        }
        return r.with(new Condition(Condition.Kind.PROBE_FAILED, "the check of " + r.path() + " started at " + since
                + " has not finished after " + Human.duration(hung) + ": I/O on the volume hangs (failing disk or detached device?)"));
    }

    /** Logs a condition when it starts and when it clears, not at every check. */
    private static void logChanges(VolumeReport previous, VolumeReport now) {
        for (Condition c : now.failing()) {
            if (previous == null || !previous.has(c.kind())) {
                LOG.warnf("volume '%s': %s", now.volume(), c);
            }
        }
        if (previous != null) {
            for (Condition c : previous.failing()) {
                if (!now.has(c.kind())) {
                    LOG.infof("volume '%s': %s cleared", now.volume(), c.kind().id());
                }
            }
        }
    }

    /** Latest report of every volume checked so far, by volume name (with a hung check reported, see {@link #report}). */
    public Map<String, VolumeReport> reports() {
        Map<String, VolumeReport> out = new LinkedHashMap<>();
        for (String name : latest.keySet()) {
            VolumeReport r = current(name);
            if (r != null) {
                out.put(name, r);
            }
        }
        return Map.copyOf(out);
    }

    /**
     * Latest report of volume {@code name}, empty before its first check. While a check has been running for more
     * than two check intervals, the previous report is returned with an added {@code probe_failed} condition.
     */
    public Optional<VolumeReport> report(String name) {
        return Optional.ofNullable(current(name));
    }

    private void registerMetrics(String name) {
        Tags tags = Tags.of("volume", name).and(flyTags());
        gauge("lifeboat_volume_mounted", "1 when the volume's path is on a mount of its own", tags, name, r -> bool(r.mounted()));
        gauge("lifeboat_volume_read_only", "1 when the volume is mounted read-only", tags, name, r -> bool(r.readOnly()));
        gauge("lifeboat_volume_healthy", "1 when every check of the volume passed", tags, name, r -> r.healthy() ? 1 : 0);
        gauge("lifeboat_volume_free_bytes", "Bytes still usable on the volume", tags, name, r -> num(r.freeBytes()));
        gauge("lifeboat_volume_size_bytes", "Size of the volume's filesystem", tags, name, r -> num(r.totalBytes()));
        gauge("lifeboat_volume_free_inodes", "Free inodes on the volume", tags, name, r -> num(r.freeInodes()));
        gauge("lifeboat_volume_fsync_latency_seconds", "Duration of the last probe's fsync", tags, name,
                r -> r.fsyncLatency() == null ? Double.NaN : r.fsyncLatency().toNanos() / 1e9);
        gauge("lifeboat_volume_growth_bytes_per_second", "Recent growth of used bytes", tags, name, r -> num(r.growthBytesPerSecond()));
        gauge("lifeboat_volume_seconds_until_full", "Estimated seconds until the volume is full at the recent growth rate", tags, name,
                r -> r.timeToFull() == null ? Double.NaN : r.timeToFull().getSeconds());
        for (Condition.Kind kind : Condition.Kind.values()) {
            gauge("lifeboat_volume_condition", "1 while the named volume condition fails", tags.and("condition", kind.id()), name,
                    r -> r.has(kind) ? 1 : 0);
        }
    }

    private void gauge(String metric, String help, Tags tags, String volume, ToDoubleFunction<VolumeReport> value) {
        Gauge.builder(metric, this, m -> {
            VolumeReport r = m.current(volume);
            return r == null ? Double.NaN : value.applyAsDouble(r);
        }).description(help).tags(tags).strongReference(true).register(registry);
    }

    /** Fly labels as Prometheus-style tag names ({@code processGroup} becomes {@code process_group}). */
    static List<Tag> flyTags() {
        List<Tag> out = new ArrayList<>();
        Map<String, String> labels = new LinkedHashMap<>(FlyEnvironment.labels());
        labels.forEach((k, v) -> out.add(Tag.of(k.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT), v)));
        return out;
    }

    private static double bool(Boolean b) {
        return b == null ? Double.NaN : b ? 1 : 0;
    }

    private static double num(Number n) {
        return n == null ? Double.NaN : n.doubleValue();
    }

    /** Stops every check and forgets the reports (metrics read NaN until the next start). */
    @PreDestroy
    public synchronized void stop() {
        executors.forEach(ScheduledExecutorService::shutdownNow);
        for (ScheduledExecutorService e : executors) {
            try {
                e.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        executors.clear();
        threads.clear();
        checkers.clear();
        latest.clear();
        sequences.clear();
        running.clear();
        hangAfter.clear();
    }

    /** For tests: the checker of {@code name}. */
    VolumeChecker checker(String name) {
        return Objects.requireNonNull(checkers.get(name));
    }
}
