package dev.lifeboat.jobs;

import dev.lifeboat.Redaction;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.drill.DrillRecord;
import dev.lifeboat.drill.DrillScheduler;
import dev.lifeboat.drill.DrillService;
import dev.lifeboat.postgres.PgBackupService;
import dev.lifeboat.runtime.TrackedRun;
import dev.lifeboat.sqlite.ReplicationService;
import dev.lifeboat.volume.VolumeMonitor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * On-demand jobs: a backup (pg_dump, or a SQLite snapshot), a restore drill or a check of every volume, asked for
 * over the API. Each capability runs the work where its scheduled runs run and under the same single-flight slot
 * ({@link TrackedRun.Claim}): asking while a run of the same kind and database is queued or running (scheduled or
 * asked for) returns that run's job instead of starting a second. The newest {@value #KEPT} jobs are kept in
 * memory; what they produced is in the destination (manifests, snapshots, drill records), which stays the source of
 * truth.
 */
@ApplicationScoped
public class JobService {
    private static final Logger LOG = Logger.getLogger(JobService.class);
    static final int KEPT = 100;

    @Inject
    ActiveConfig active;

    @Inject
    PgBackupService backups;

    @Inject
    ReplicationService replication;

    @Inject
    DrillService drills;

    @Inject
    DrillScheduler drillScheduler;

    @Inject
    VolumeMonitor volumes;

    /** A request named a database the configuration does not have. */
    public static final class UnknownDatabaseException extends RuntimeException {
        UnknownDatabaseException(String message) {
            super(message);
        }
    }

    /** The job a request got, and whether it was created by it ({@code false}: it joined one queued or running). */
    public record Submitted(JobView job, boolean created) {
    }

    /** One job: its kind, its run and how its run's product reads as a result. */
    private record Job<T>(String kind, TrackedRun<T> run, Function<T, JobResult> result, Function<T, String> failure) {
        JobView view() {
            var outcome = run.outcome();
            String state;
            JobResult produced = null;
            String error = null;
            if (!outcome.isDone()) {
                state = run.startedAt() == null ? JobView.QUEUED : JobView.RUNNING;
            } else {
                try {
                    T value = outcome.join();
                    produced = result.apply(value);
                    error = failure.apply(value);
                } catch (CompletionException | java.util.concurrent.CancellationException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    error = cause.getMessage() != null ? cause.getMessage() : cause.toString();
                }
                state = error == null ? JobView.SUCCEEDED : JobView.FAILED;
            }
            return new JobView(run.id(), kind, run.subject(), run.trigger(), state, run.createdAt(), run.startedAt(), run.finishedAt(),
                    new JobView.Progress(run.phase(), run.bytes()), produced, error == null ? null : Redaction.url(error));
        }
    }

    private final Map<String, Job<?>> jobs = new LinkedHashMap<>();

    /** Backs database {@code database} up now: a pg_dump backup of a postgres database, a new snapshot of a sqlite one. */
    public synchronized Submitted backup(String database) {
        DatabaseConfig db = database(database);
        return switch (db.type()) {
            case POSTGRES -> register("backup", backups.startOrJoin(database, "api"), JobResult.Backup::of, m -> null);
            case SQLITE -> register("snapshot", replication.snapshotOrJoin(database, "api"), JobResult.Snapshot::of, s -> null);
        };
    }

    /** Drills database {@code database} now, on the drills' one thread (queued behind a drill running there). */
    public synchronized Submitted drill(String database) {
        database(database);
        LifeboatConfig config = active.get();
        return register("drill", drills.startOrJoin(config, database, "api", drillScheduler.executor()), JobResult.Drill::of,
                r -> r.passed() ? null : r.error() != null ? r.error() : "drill " + r.outcome());
    }

    /** Checks every configured volume now. */
    public synchronized Submitted checkVolumes() {
        return register("volume-check", volumes.checkAllOrJoin("api"), JobResult.VolumeCheck::of, v -> null);
    }

    /** The job {@code id}, if it is among the kept ones. */
    public synchronized Optional<JobView> get(String id) {
        return Optional.ofNullable(jobs.get(id)).map(Job::view);
    }

    /** The kept jobs, newest first. */
    public synchronized List<JobView> recent() {
        List<JobView> out = new ArrayList<>();
        jobs.values().forEach(j -> out.add(j.view()));
        return out.reversed();
    }

    private DatabaseConfig database(String name) {
        DatabaseConfig db = active.get().databases().get(name);
        if (db == null) {
            throw new UnknownDatabaseException("no database named '" + name + "' is configured");
        }
        return db;
    }

    private <T> Submitted register(String kind, TrackedRun.Claim<T> claim, Function<T, JobResult> result, Function<T, String> failure) {
        TrackedRun<T> run = claim.run();
        Job<?> known = jobs.get(run.id());
        if (known == null) {
            // A fresh run, or a scheduled one a request joins for the first time: from now on it is a job.
            known = new Job<>(kind, run, result, failure);
            jobs.put(run.id(), known);
            while (jobs.size() > KEPT) {
                jobs.remove(jobs.keySet().iterator().next());
            }
            if (!claim.joined()) {
                String what = kind + (run.subject() == null ? "" : " of " + run.subject());
                try (TrackedRun.LogScope ignored = run.logScope()) {
                    LOG.infof("job %s: %s asked for over the API", run.id(), what);
                }
                Job<?> job = known;
                run.outcome().whenComplete((done, failed) -> {
                    JobView end = job.view();
                    try (TrackedRun.LogScope ignored = run.logScope()) {
                        if (end.error() == null) {
                            LOG.infof("job %s: %s %s", run.id(), what, end.state());
                        } else {
                            LOG.warnf("job %s: %s %s: %s", run.id(), what, end.state(), end.error());
                        }
                    }
                });
            }
        }
        return new Submitted(known.view(), !claim.joined());
    }
}
