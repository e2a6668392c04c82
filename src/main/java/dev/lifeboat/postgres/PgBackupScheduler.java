package dev.lifeboat.postgres;

import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Schedule;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.Backoff;
import dev.lifeboat.runtime.DaemonScheduler;
import dev.lifeboat.runtime.Human;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs each postgres database's backups on its {@code schedule} while the agent runs. A tick that finds the
 * previous backup still running is skipped and counted (so is one that finds another agent holding the
 * database's lock, or another agent holding its schedule slot: see {@link PgBackupService#runScheduled}). Intervals count from the previous tick; at start the first run is due one interval after the
 * newest backup in the bucket (at once when there is none or it is older). Cron schedules tick at their times (UTC).
 *
 * <p>A backup that fails (the store unreachable for a while, the server restarting) is retried after
 * {@code retry-backoff}, doubling with jitter up to {@code retry-max-backoff}, until one succeeds: an outage of
 * minutes then costs minutes of backups, not a whole schedule interval. Whatever starts a backup (a tick, a retry,
 * the audit) replaces the pending retry; a backup skipped because another one holds the lock is not retried.
 */
@ApplicationScoped
public class PgBackupScheduler {
    private static final Logger LOG = Logger.getLogger(PgBackupScheduler.class);

    @Inject
    PgBackupService service;

    @Inject
    PgBackupMetrics metrics;

    private ScheduledExecutorService ticks;
    /** Each database's retry pacing, from its configuration. */
    private final Map<String, Backoff> retryBackoffs = new ConcurrentHashMap<>();
    /** Each database's pending retry of a failed backup. */
    private final Map<String, ScheduledFuture<?>> retries = new ConcurrentHashMap<>();

    void onAgentStarted(@Observes AgentStarted started) {
        start(started.config());
    }

    /** Starts the schedules of every postgres database in {@code config}. Idempotent. */
    public synchronized void start(LifeboatConfig config) {
        if (ticks != null) {
            return;
        }
        ticks = DaemonScheduler.named("lifeboat-pg-schedule");
        config.databases().forEach((name, db) -> {
            if (db.type() == DatabaseType.POSTGRES) {
                metrics.register(name);
                retryBackoffs.put(name, new Backoff(db.retryBackoff(), db.retryMaxBackoff()));
                Thread.ofVirtual().name("lifeboat-pg-seed-" + name).start(() -> scheduleFirst(name, db));
            }
        });
    }

    private void scheduleFirst(String name, DatabaseConfig db) {
        Schedule schedule = db.schedule();
        Instant now = Instant.now();
        Optional<Manifest> newest = Optional.empty();
        try {
            newest = service.catalog(name).latest();
            newest.ifPresent(service.state(name)::seed);
        } catch (Exception e) {
            LOG.warnf("cannot read the backups of %s at start (%s); scheduling from now", name, e.getMessage());
        }
        Instant first;
        if (schedule instanceof Schedule.Interval interval) {
            first = newest.map(m -> m.startedAt().plus(interval.every())).filter(t -> t.isAfter(now)).orElse(now);
        } else {
            first = schedule.next(now);
        }
        at(name, schedule, first);
    }

    private void at(String name, Schedule schedule, Instant when) {
        service.state(name).nextRunAt(when);
        long delay = Math.max(0, Duration.between(Instant.now(), when).toMillis());
        synchronized (this) {
            if (ticks != null && !ticks.isShutdown()) {
                ticks.schedule(() -> tick(name, schedule, when), delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** One schedule tick: plans the next one, then starts a backup unless one is running (then counts a skip). */
    void tick(String name, Schedule schedule, Instant due) {
        Instant next = schedule.next(due);
        while (!next.isAfter(Instant.now())) {
            next = schedule.next(next); // the agent was suspended: do not fire a burst of missed ticks
        }
        at(name, schedule, next);
        BackupState state = service.state(name);
        if (!state.tryStart()) {
            state.skipped();
            LOG.warnf("backup of %s due at %s skipped: the previous one is still running", name, due);
            return;
        }
        runInBackground(name, slot(schedule, due));
    }

    /**
     * The schedule slot a tick due at {@code due} fills, the same in every agent: a cron time itself; for an interval,
     * {@code due} rounded down to a multiple of the interval since the epoch (agents started at different times agree).
     */
    static Instant slot(Schedule schedule, Instant due) {
        if (schedule instanceof Schedule.Interval interval) {
            long every = interval.every().toMillis();
            return Instant.ofEpochMilli(Math.floorDiv(due.toEpochMilli(), every) * every);
        }
        return due;
    }



    /**
     * Starts a backup of {@code name} now, outside its schedule (the audit found the newest backup damaged); returns
     * false when this process does not schedule backups. A backup already running counts as started.
     */
    public boolean backupOutOfSchedule(String name, String why) {
        synchronized (this) {
            if (ticks == null) {
                return false;
            }
        }
        if (service.state(name).tryStart()) {
            LOG.warnf("backup of %s started out of schedule: %s", name, why);
            runInBackground(name, null);
        }
        return true;
    }

    /** Runs the started backup of {@code name}: for schedule slot {@code slot}, or out of schedule when null. */
    private void runInBackground(String name, Instant slot) {
        cancelRetry(name); // this backup replaces it; if it fails, it plans the next one
        service.runInBackground(name, slot, () -> planRetry(name));
    }

    /** Plans the retry of a failed backup after the backoff its failures in a row call for. */
    private void planRetry(String name) {
        Backoff backoff = retryBackoffs.get(name);
        if (backoff == null) {
            return;
        }
        BackupState state = service.state(name);
        int failures = Math.max(1, state.consecutiveFailures());
        Duration wait = backoff.delay(failures, ThreadLocalRandom.current());
        synchronized (this) {
            if (ticks == null || ticks.isShutdown()) {
                return;
            }
            Instant at = Instant.now().plus(wait);
            state.retryAt(at);
            ScheduledFuture<?> previous = retries.put(name, ticks.schedule(() -> retry(name), wait.toMillis(), TimeUnit.MILLISECONDS));
            if (previous != null) {
                previous.cancel(false);
            }
        }
        LOG.warnf("backup of %s will be retried in %s (%d failed in a row)", name, Human.duration(wait), failures);
    }

    private void retry(String name) {
        BackupState state = service.state(name);
        if (state.tryStart()) {
            LOG.infof("backup of %s: retrying", name);
            runInBackground(name, null); // a retry fills no new slot
        }
        // else a backup runs already: its own outcome decides whether to retry again
    }

    private void cancelRetry(String name) {
        ScheduledFuture<?> pending = retries.remove(name);
        if (pending != null) {
            pending.cancel(false);
        }
        service.state(name).retryAt(null);
    }

    @PreDestroy
    synchronized void stop() {
        if (ticks != null) {
            ticks.shutdownNow();
            ticks = null; // restartable: start() with another configuration schedules afresh
            retries.keySet().forEach(name -> service.state(name).retryAt(null));
            retries.clear();
            retryBackoffs.clear();
        }
    }
}
