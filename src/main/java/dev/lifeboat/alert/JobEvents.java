package dev.lifeboat.alert;

import dev.lifeboat.alert.Notification.Kind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.UUID;

/**
 * Job start/success/failure: recorded in {@code jobs.json} and pinged to {@code healthchecks} sinks (dead man's switches: the service alerts
 * when a ping does not come). Capabilities call it around each scheduled run:
 * <pre>{@code
 * JobEvents.Run run = jobEvents.started("backup." + database);
 * try { ...; run.succeeded("backed up 12 MiB in 3s"); } catch (Exception e) { run.failed(message); throw e; }
 * }</pre>
 * Job names are {@code <kind>.<database>}: {@link #backupJob} ({@code backup.app}), {@link #drillJob} ({@code drill.app}). Events go
 * through the persistent outbox like alerts; never throws (a notification problem must not fail a backup).
 */
@ApplicationScoped
public class JobEvents {
    private static final Logger LOG = Logger.getLogger(JobEvents.class);

    @Inject
    AlertService alerts;

    /** One run of a job; pair its start with exactly one of {@link #succeeded} or {@link #failed}. */
    public final class Run {
        private final String job;
        private final String runId = UUID.randomUUID().toString();

        private Run(String job) {
            this.job = job;
        }

        public void succeeded(String summary) {
            send(Kind.JOB_SUCCEEDED, job, runId, summary);
        }

        /** @param reason why it failed, free of secrets */
        public void failed(String reason) {
            send(Kind.JOB_FAILED, job, runId, reason);
        }
    }

    /** The job name of a database's backups: {@code backup.<database>}. */
    public static String backupJob(String database) {
        return "backup." + database;
    }

    /** The job name of a database's restore drills: {@code drill.<database>}. */
    public static String drillJob(String database) {
        return "drill." + database;
    }

    /** Announces that {@code job} starts now. */
    public Run started(String job) {
        Run run = new Run(job);
        send(Kind.JOB_STARTED, job, run.runId, null);
        return run;
    }

    /** Records and queues one job event (for sources that observe runs rather than make them). */
    void report(Kind kind, String job, String runId, String message) {
        send(kind, job, runId, message);
    }

    private void send(Kind kind, String job, String runId, String message) {
        try {
            AlertRuntime r = alerts.runtime();
            java.time.Instant now = java.time.Instant.now();
            switch (kind) {
                case JOB_STARTED -> r.jobs.started(job, now);
                case JOB_SUCCEEDED -> r.jobs.succeeded(job, now);
                default -> r.jobs.failed(job, now, message);
            }
            if (r.sinks.values().stream().noneMatch(s -> s.type().equals("healthchecks"))) {
                return;
            }
            r.alerter.queueJob(kind, job, runId, message);
            if (!alerts.running()) {
                r.deliverer.deliverDue(); // short CLI commands have no delivery thread
            }
        } catch (RuntimeException e) {
            LOG.errorf("cannot queue %s event of job %s for healthchecks: %s", kind, job, e.getMessage());
        }
    }
}
