package dev.lifeboat.postgres;

import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.runtime.TrackedRun;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What the agent knows of one database's backups: the last success and failure, the next run, counters. Rebuilt at
 * start from the newest manifest (the bucket is the source of truth), then kept up to date by each run. Shown in
 * the status API and as metrics; never holds secrets (failure reasons are redacted where they are made).
 */
public final class BackupState {
    private final String database;
    private boolean running;
    /** The run holding the slot while {@link #running}: what the jobs API shows and a second request joins. */
    private TrackedRun<Manifest> current;
    private Instant lastSuccessAt;
    private Instant lastFailureAt;
    private String lastFailure;
    private Duration lastDuration;
    private long lastStoredBytes = -1;
    private long lastRawBytes = -1;
    private String lastBackupId;
    private Instant nextRunAt;
    /** When a failed backup is retried, or null when no retry is pending. */
    private Instant retryAt;
    private int consecutiveFailures;
    private long skippedTicks;
    private String lastSkip;
    private long successes;
    private long failures;

    BackupState(String database) {
        this.database = database;
    }

    /** Marks a scheduled run as started; false (and nothing changes) when one is already running. */
    public synchronized boolean tryStart() {
        return !claim("schedule").joined();
    }

    /**
     * Claims the database's single backup slot for a new run asked for by {@code trigger}, or, when a run holds it,
     * returns that run ({@code joined}): never two backups of one database at once in this agent.
     */
    public synchronized TrackedRun.Claim<Manifest> claim(String trigger) {
        if (running) {
            return new TrackedRun.Claim<>(current, true);
        }
        running = true;
        current = new TrackedRun<>("backup", database, trigger);
        return new TrackedRun.Claim<>(current, false);
    }

    /** The run holding the slot, if one does. */
    public synchronized Optional<TrackedRun<Manifest>> current() {
        return Optional.ofNullable(current);
    }

    /** Marks the run started with {@link #tryStart()} or {@link #claim} as over; returns it (null if none held the slot). */
    public synchronized TrackedRun<Manifest> finished() {
        running = false;
        TrackedRun<Manifest> run = current;
        current = null;
        return run;
    }

    synchronized void succeeded(Manifest m) {
        lastSuccessAt = m.finishedAt();
        lastDuration = m.duration();
        lastStoredBytes = m.storedBytes();
        lastRawBytes = m.rawBytes();
        lastBackupId = m.id();
        consecutiveFailures = 0;
        successes++;
    }

    synchronized void failed(String reason, Instant at) {
        lastFailureAt = at;
        lastFailure = reason;
        consecutiveFailures++;
        failures++;
    }

    /** A scheduled run skipped because another agent took its schedule slot; {@code why} says which and who. */
    synchronized void skippedSlot(String why) {
        lastSkip = why;
        skippedTicks++;
    }

    synchronized void skipped() {
        skippedTicks++;
    }

    synchronized void nextRunAt(Instant next) {
        nextRunAt = next;
    }

    /** Records the pending retry of a failed backup ({@code null}: none). */
    synchronized void retryAt(Instant at) {
        retryAt = at;
    }

    /** Seeds the state from the newest manifest, unless a run already recorded something newer. */
    synchronized void seed(Manifest newest) {
        if (lastSuccessAt == null || newest.finishedAt().isAfter(lastSuccessAt)) {
            lastSuccessAt = newest.finishedAt();
            lastDuration = newest.duration();
            lastStoredBytes = newest.storedBytes();
            lastRawBytes = newest.rawBytes();
            lastBackupId = newest.id();
        }
    }

    public synchronized boolean running() {
        return running;
    }

    public synchronized Instant lastSuccessAt() {
        return lastSuccessAt;
    }

    public synchronized Instant lastFailureAt() {
        return lastFailureAt;
    }

    public synchronized String lastFailure() {
        return lastFailure;
    }

    /** When the next backup is due: the scheduled one, or the retry of a failed one when that comes first. */
    public synchronized Instant nextRunAt() {
        return retryAt != null && (nextRunAt == null || retryAt.isBefore(nextRunAt)) ? retryAt : nextRunAt;
    }

    public synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    public synchronized long skippedTicks() {
        return skippedTicks;
    }

    synchronized double lastDurationSeconds() {
        return lastDuration == null ? Double.NaN : lastDuration.toMillis() / 1000.0;
    }

    synchronized double lastStoredBytes() {
        return lastStoredBytes < 0 ? Double.NaN : lastStoredBytes;
    }

    synchronized long successes() {
        return successes;
    }

    synchronized long failures() {
        return failures;
    }

    /** The status API's view. */
    public synchronized BackupStatus status() {
        return new BackupStatus(running, lastSuccessAt, lastBackupId, lastDuration == null ? null : lastDuration.toMillis() / 1000.0,
                lastStoredBytes < 0 ? null : lastStoredBytes, lastRawBytes < 0 ? null : lastRawBytes, lastFailureAt, lastFailure,
                consecutiveFailures, nextRunAt(), skippedTicks, lastSkip);
    }
}
