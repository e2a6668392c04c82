package dev.lifeboat.drill;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one restore drill did, kept as {@code <database>/drills/<id>.json} in the database's destination and shown
 * by the API, the CLI and metrics. Times are UTC instants; durations are milliseconds.
 *
 * @param id             unique drill id (start time and random hex), also part of the scratch name
 * @param database       the database's name in the configuration
 * @param type           {@code postgres} or {@code sqlite}
 * @param trigger        {@code schedule}, {@code cli} or {@code api}
 * @param outcome        {@value #PASSED}, {@value #FAILED} or {@value #REFUSED} (would not fit, or nothing to restore)
 * @param backupId       which backup was restored: a PostgreSQL manifest id, or {@code <generation>/<snapshot>-<wal index>} for SQLite
 * @param backupTime     the moment the restored data represents (manifest start time; time of the newest SQLite object applied)
 * @param startedAt      drill start
 * @param finishedAt     drill end (after the scratch copy was removed)
 * @param restoreMillis  download + verify + restore time: the recovery time objective this backup achieves (RTO)
 * @param durationMillis the whole drill, checks and clean-up included
 * @param rpoSeconds     age of the restored data at the drill's start (startedAt − backupTime, 0 for data newer than that): the recovery point (RPO)
 * @param storedBytes    bytes downloaded from the destination
 * @param restoredBytes  bytes of the restored database (SQLite file size; PostgreSQL {@code pg_database_size}); -1 when unknown
 * @param scratch        where the scratch copy lived (database name on a server without credentials, or a path)
 * @param error          why it failed or was refused; null when passed. Names the backup and, for checks, the value seen
 * @param checks         each check's result, built-in first
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DrillRecord(String id, String database, String type, String trigger, String outcome, String backupId,
                          Instant backupTime, Instant startedAt, Instant finishedAt, Long restoreMillis, long durationMillis,
                          Long rpoSeconds, long storedBytes, long restoredBytes, String scratch, String error,
                          List<CheckResult> checks) {
    public static final String PASSED = "passed";
    public static final String FAILED = "failed";
    public static final String REFUSED = "refused";

    @JsonIgnore
    public boolean passed() {
        return PASSED.equals(outcome);
    }

    @JsonIgnore
    public Duration duration() {
        return Duration.ofMillis(durationMillis);
    }

    /** The first failed check, if any. */
    @JsonIgnore
    public CheckResult firstFailedCheck() {
        return checks == null ? null : checks.stream().filter(c -> !c.passed()).findFirst().orElse(null);
    }

    /**
     * The age of data from {@code backupTime} at a drill's start. A drill that waited (for a connection, say) may
     * restore a backup made after it started: that data was not old, so 0, never negative.
     */
    static long rpoSeconds(Instant backupTime, Instant drillStartedAt) {
        return Math.max(0, Duration.between(backupTime, drillStartedAt).toSeconds());
    }
}
