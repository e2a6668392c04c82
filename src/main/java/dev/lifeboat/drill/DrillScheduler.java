package dev.lifeboat.drill;

import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Schedule;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs each database's drills on its {@code drill.schedule} once the agent starts, one drill at a time on one
 * thread (a drill is heavy; two at once would compete for the machine's few cores and the scratch space). Before
 * scheduling, the last outcomes are read back from the destinations so status and metrics survive a restart.
 */
@ApplicationScoped
public class DrillScheduler {
    private static final Logger LOG = Logger.getLogger(DrillScheduler.class);

    @Inject
    DrillService drills;

    @Inject
    DrillMetrics metrics;

    private final Map<String, Instant> nextRuns = new ConcurrentHashMap<>();
    private ScheduledExecutorService executor;

    void onAgentStarted(@Observes AgentStarted started) {
        start(started.config());
    }

    /** Starts scheduling the drills of {@code config}. Idempotent. */
    public synchronized void start(LifeboatConfig config) {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lifeboat-drills");
            t.setDaemon(true);
            return t;
        });
        config.databases().keySet().forEach(metrics::register);
        executor.execute(() -> drills.loadHistory(config));
        config.databases().forEach((name, db) -> db.drill().schedule().ifPresent(schedule -> {
            scheduleNext(config, name, schedule, Instant.now());
            LOG.infof("restore drills of %s scheduled %s; first at %s", name, schedule, nextRuns.get(name));
        }));
    }

    private void scheduleNext(LifeboatConfig config, String database, Schedule schedule, Instant after) {
        Instant next = schedule.next(after);
        nextRuns.put(database, next);
        long delay = Math.max(0, Duration.between(Instant.now(), next).toMillis());
        executor.schedule(() -> {
            try {
                drills.run(config, database, "schedule");
            } catch (RuntimeException e) {
                LOG.errorf(e, "scheduled drill of %s failed unexpectedly", database);
            } finally {
                scheduleNext(config, database, schedule, Instant.now());
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** When the next scheduled drill of {@code database} runs, if drills of it are scheduled. */
    public Optional<Instant> nextRun(String database) {
        return Optional.ofNullable(nextRuns.get(database));
    }

    @PreDestroy
    synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
