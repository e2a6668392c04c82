package dev.lifeboat.drill;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Schedule;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.DaemonScheduler;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Drills every database on its schedule once the agent starts (on by default: sqlite daily, postgres weekly; off with
 * {@code drill.enabled: false}), one drill at a time on one thread (a drill is heavy; two at once would compete for
 * the machine's few cores and the scratch space).
 *
 * <p>When: first the last outcomes are read back from the destinations, so status and metrics survive a restart and
 * the schedule counts from the newest drill in the history (a restart does not drill again at once). A database never
 * drilled, or overdue, is drilled {@code drill.first-delay} after start (sooner if its schedule says so), once it has
 * something to restore. Before each scheduled drill the drill type is asked whether a drill can run at all (postgres:
 * may the role create the scratch database?); when not, no failing drill is recorded: the plan says why, and it is
 * asked again later.
 */
@ApplicationScoped
public class DrillScheduler {
    private static final Logger LOG = Logger.getLogger(DrillScheduler.class);
    /** How often an impossible drill (a role without CREATEDB) is looked at again, unless the schedule comes sooner. */
    static final Duration RECHECK_IMPOSSIBLE = Duration.ofHours(1);
    /** Bounds of how often a first drill waiting for something to restore looks again ({@code drill.first-delay} within them). */
    static final Duration RECHECK_WAITING_MIN = Duration.ofSeconds(1);
    static final Duration RECHECK_WAITING_MAX = Duration.ofMinutes(5);

    @Inject
    DrillService drills;

    @Inject
    DrillMetrics metrics;

    private final Map<String, DrillPlan> plans = new ConcurrentHashMap<>();
    private ScheduledExecutorService executor;
    private boolean started;

    void onAgentStarted(@Observes AgentStarted started) {
        start(started.config());
    }

    /** Starts scheduling the drills of {@code config}. Idempotent. */
    public synchronized void start(LifeboatConfig config) {
        if (started) {
            return;
        }
        started = true;
        Instant startedAt = Instant.now();
        executor();
        config.databases().keySet().forEach(metrics::register);
        // Provisional plans at once (status shows the first due time); the history decides the real next run.
        config.databases().forEach((name, db) -> plans.put(name, initialPlan(name, db, startedAt)));
        executor.execute(() -> {
            drills.loadHistory(config);
            config.databases().forEach((name, db) -> schedule(config, name, db));
        });
    }

    private static DrillPlan initialPlan(String database, DatabaseConfig db, Instant startedAt) {
        Schedule schedule = DatabaseConfig.drillSchedule(db);
        if (!db.drill().enabled()) {
            return new DrillPlan(schedule, startedAt, null, null,
                    "drills off: databases." + database + ".drill.enabled is false; run lifeboat drill " + database + " to prove its backups",
                    null, false);
        }
        Instant firstDue = firstDue(schedule, db.drill().firstDelay(), startedAt);
        return new DrillPlan(schedule, startedAt, firstDue, firstDue, null, null, false);
    }

    private void schedule(LifeboatConfig config, String database, DatabaseConfig db) {
        DrillPlan plan = plans.computeIfPresent(database, (k, p) -> new DrillPlan(p.schedule(), p.agentStartedAt(), p.firstDueAt(),
                p.nextRunAt(), p.off(), p.waiting(), true));
        if (!db.drill().enabled()) {
            LOG.infof("scheduled restore drills of %s are off (drill.enabled: false)", database);
            return;
        }
        Instant next = dueAt(plan.schedule(), plan.firstDueAt(), lastDrillStart(database));
        at(config, database, next);
        LOG.infof("restore drills of %s scheduled %s; next at %s", database, plan.schedule(), next);
    }

    /** The first drill after start: {@code firstDelay} after it, or the schedule's first run if that is sooner. */
    static Instant firstDue(Schedule schedule, Duration firstDelay, Instant startedAt) {
        Instant afterDelay = startedAt.plus(firstDelay);
        Instant bySchedule = schedule.next(startedAt);
        return bySchedule.isBefore(afterDelay) ? bySchedule : afterDelay;
    }

    /** The schedule counted from the newest drill; never drilled or overdue: the first due time after start. */
    static Instant dueAt(Schedule schedule, Instant firstDue, Instant lastDrillStart) {
        if (lastDrillStart == null) {
            return firstDue;
        }
        Instant next = schedule.next(lastDrillStart);
        return next.isBefore(firstDue) ? firstDue : next;
    }

    private Instant lastDrillStart(String database) {
        return drills.state(database).map(s -> s.last().startedAt()).orElse(null);
    }

    private void at(LifeboatConfig config, String database, Instant when) {
        plans.computeIfPresent(database, (k, p) -> p.withNextRunAt(when));
        long delay = Math.max(0, Duration.between(Instant.now(), when).toMillis());
        executor.schedule(() -> due(config, database), delay, TimeUnit.MILLISECONDS);
    }

    private void due(LifeboatConfig config, String database) {
        DrillPlan plan = plans.get(database);
        Instant now = Instant.now();
        Instant next = null;
        try {
            Instant due = dueAt(plan.schedule(), plan.firstDueAt(), lastDrillStart(database));
            if (due.isAfter(now.plusSeconds(1))) {
                next = due; // a drill ran meanwhile (lifeboat drill, the API): the schedule counts from it
                return;
            }
            Optional<String> impossible = drills.whyImpossible(config, database);
            setOff(database, impossible.orElse(null));
            if (impossible.isPresent()) {
                Instant bySchedule = plan.schedule().next(now);
                Instant recheck = now.plus(RECHECK_IMPOSSIBLE);
                next = bySchedule.isBefore(recheck) ? bySchedule : recheck;
                return;
            }
            if (drills.state(database).isEmpty() && !drills.hasSomethingToRestore(config, database)) {
                setWaiting(database, "waiting for the first " + (config.databases().get(database).type() == DatabaseType.SQLITE
                        ? "snapshot of the replica" : "backup") + " to drill");
                next = now.plus(waitingRecheck(config.databases().get(database).drill().firstDelay()));
                return;
            }
            setWaiting(database, null);
            drills.run(config, database, "schedule");
        } catch (RuntimeException e) {
            LOG.errorf(e, "scheduled drill of %s failed unexpectedly", database);
        } finally {
            if (next == null) {
                next = dueAt(plan.schedule(), plan.firstDueAt(), lastDrillStart(database));
                if (!next.isAfter(now)) {
                    next = plan.schedule().next(now); // the drill left no record (refused: another one ran)
                }
            }
            if (!executor.isShutdown()) {
                at(config, database, next);
            }
        }
    }

    static Duration waitingRecheck(Duration firstDelay) {
        return firstDelay.compareTo(RECHECK_WAITING_MIN) < 0 ? RECHECK_WAITING_MIN
                : firstDelay.compareTo(RECHECK_WAITING_MAX) > 0 ? RECHECK_WAITING_MAX : firstDelay;
    }

    /** Logs once when the reason drills cannot run appears, changes or goes. */
    private void setOff(String database, String reason) {
        DrillPlan before = plans.get(database);
        if (Objects.equals(before.off(), reason)) {
            return;
        }
        plans.computeIfPresent(database, (k, p) -> p.withOff(reason));
        if (reason != null) {
            LOG.warnf("scheduled restore drills of %s do not run: %s", database, reason);
        } else {
            LOG.infof("scheduled restore drills of %s can run again", database);
        }
    }

    private void setWaiting(String database, String reason) {
        if (!Objects.equals(plans.get(database).waiting(), reason)) {
            plans.computeIfPresent(database, (k, p) -> p.withWaiting(reason));
            if (reason != null) {
                LOG.infof("first restore drill of %s is %s", database, reason);
            }
        }
    }

    /** What is planned for {@code database}'s drills; empty before its history has been read (or outside the agent). */
    public Optional<DrillPlan> plan(String database) {
        return Optional.ofNullable(plans.get(database));
    }

    /** When the next scheduled drill of {@code database} runs, if drills of it are scheduled. */
    public Optional<Instant> nextRun(String database) {
        return plan(database).map(DrillPlan::nextRunAt);
    }

    /** The drills' one thread: scheduled drills and those asked for over the API take turns on it. */
    public synchronized Executor executor() {
        if (executor == null) {
            executor = DaemonScheduler.named("lifeboat-drills");
        }
        return executor;
    }

    @PreDestroy
    synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
