package dev.lifeboat.pitr;

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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Takes each PITR database's base backups on {@code pitr.base-backup-schedule} while the agent runs, like
 * {@code PgBackupScheduler} does for pg_dump: an interval counts from the newest base backup in the destination (at
 * once when there is none or it is older), a cron schedule ticks at its times (UTC); a tick finding the previous
 * base backup still running is skipped, missed ticks after a suspension are not replayed.
 */
@ApplicationScoped
public class BaseBackupScheduler {
    private static final Logger LOG = Logger.getLogger(BaseBackupScheduler.class);

    @Inject
    BaseBackupService service;

    private ScheduledExecutorService ticks;

    void onAgentStarted(@Observes AgentStarted started) {
        start(started.config());
    }

    public synchronized void start(LifeboatConfig config) {
        if (ticks != null) {
            return;
        }
        ticks = DaemonScheduler.named("lifeboat-pitr-base-schedule");
        config.databases().forEach((name, db) -> {
            if (db.type() == DatabaseType.POSTGRES && db.pitr().enabled()) {
                Thread.ofVirtual().name("lifeboat-pitr-base-seed-" + name).start(() -> {
                    service.seed(name);
                    Schedule schedule = db.pitr().baseBackupSchedule();
                    Instant now = Instant.now();
                    Instant first = schedule instanceof Schedule.Interval interval
                            ? service.state(name).map(s -> s.lastBackup()).filter(m -> m != null)
                                    .map(m -> m.startedAt().plus(interval.every())).filter(t -> t.isAfter(now)).orElse(now)
                            : schedule.next(now);
                    at(name, schedule, first);
                });
            }
        });
    }

    private synchronized void at(String name, Schedule schedule, Instant when) {
        if (ticks != null && !ticks.isShutdown()) {
            long delay = Math.max(0, Duration.between(Instant.now(), when).toMillis());
            ticks.schedule(() -> tick(name, schedule, when), delay, TimeUnit.MILLISECONDS);
        }
    }

    private void tick(String name, Schedule schedule, Instant due) {
        Instant next = schedule.next(due);
        while (!next.isAfter(Instant.now())) {
            next = schedule.next(next);
        }
        at(name, schedule, next);
        if (service.running(name)) {
            LOG.warnf("base backup of %s due at %s skipped: the previous one is still running", name, due);
            return;
        }
        Thread.ofVirtual().name("lifeboat-pitr-base-" + name).start(() -> {
            try {
                service.backupNow(name);
            } catch (Exception e) {
                LOG.errorf("base backup of %s failed: %s", name, e.getMessage());
            }
        });
    }

    @PreDestroy
    synchronized void stop() {
        if (ticks != null) {
            ticks.shutdownNow();
            ticks = null;
        }
    }
}
