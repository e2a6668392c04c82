package dev.lifeboat.alert;

import io.quarkus.runtime.annotations.RegisterForReflection;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Outcomes of scheduled jobs ({@code backup.app}, {@code drill.app}) as reported through {@link JobEvents}, kept in
 * {@code <state-dir>/jobs.json} (fsync + rename) so that "no successful backup for 26h" and "3 failures in a row"
 * survive restarts; {@link BackupConditionSource} uses it for when Lifeboat started watching a database.
 */
final class JobHistory {
    private static final Logger LOG = Logger.getLogger(JobHistory.class);
    static final String FILE = "jobs.json";

    /**
     * @param firstSeenAt         when Lifeboat first watched this job: with no success ever, staleness counts from here
     * @param consecutiveFailures failures since the last success
     * @param lastError           the last failure's reason (already free of secrets)
     */
    @RegisterForReflection
    record JobRecord(String job, Instant firstSeenAt, Instant lastStartedAt, Instant lastSuccessAt, Instant lastFailureAt,
                     int consecutiveFailures, String lastError) {
    }

    @RegisterForReflection
    record Snapshot(int version, Map<String, JobRecord> jobs) {
    }

    private final Path file;
    private final Map<String, JobRecord> jobs;

    JobHistory(Path stateDir) {
        this.file = stateDir.resolve(FILE);
        Map<String, JobRecord> loaded = new TreeMap<>();
        if (Files.exists(file)) {
            try {
                Snapshot s = JsonFiles.read(file, Snapshot.class);
                if (s.jobs() != null) {
                    loaded.putAll(s.jobs());
                }
            } catch (IOException | RuntimeException e) {
                LOG.errorf("job history %s is unreadable (%s); starting afresh", file, e.getMessage());
            }
        }
        this.jobs = loaded;
    }

    synchronized Optional<JobRecord> get(String job) {
        return Optional.ofNullable(jobs.get(job));
    }

    /** The job's record, created (and saved) the first time a job is watched. */
    synchronized JobRecord watch(String job, Instant now) {
        JobRecord r = jobs.get(job);
        if (r == null) {
            r = new JobRecord(job, now, null, null, null, 0, null);
            put(r);
        }
        return r;
    }

    synchronized void started(String job, Instant now) {
        JobRecord r = watch(job, now);
        put(new JobRecord(job, r.firstSeenAt(), now, r.lastSuccessAt(), r.lastFailureAt(), r.consecutiveFailures(), r.lastError()));
    }

    synchronized void succeeded(String job, Instant now) {
        JobRecord r = watch(job, now);
        put(new JobRecord(job, r.firstSeenAt(), r.lastStartedAt(), now, r.lastFailureAt(), 0, null));
    }

    synchronized void failed(String job, Instant now, String error) {
        JobRecord r = watch(job, now);
        put(new JobRecord(job, r.firstSeenAt(), r.lastStartedAt(), r.lastSuccessAt(), now, r.consecutiveFailures() + 1, error));
    }

    private void put(JobRecord r) {
        jobs.put(r.job(), r);
        try {
            JsonFiles.write(file, new Snapshot(1, new TreeMap<>(jobs)));
        } catch (IOException e) {
            LOG.errorf("cannot save job history %s: %s", file, e.getMessage());
        }
    }
}
