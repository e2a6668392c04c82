package dev.lifeboat.sqlite;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** What one database's replication has done, readable from any thread (status API, metrics). */
public final class ReplicaStats {
    public volatile String state = "starting";
    public volatile String generation;
    public volatile int index;
    public volatile long offset;
    public volatile long walBytes;
    public volatile Instant lastSnapshotAt;
    public volatile Instant lastSyncAt;
    public volatile Instant lastShipAt;
    /** When the oldest frame not yet in the replica was first seen; null when everything seen is shipped. */
    public volatile Instant unshippedSince;
    public volatile String lastError;
    public volatile Instant lastErrorAt;
    /** How long Lifeboat's last checkpoint held the app's writers out (the one step that makes the app wait). */
    public volatile long lastWriterHoldNanos;
    public final AtomicLong syncs = new AtomicLong();
    public final AtomicLong syncErrors = new AtomicLong();
    public final AtomicLong checkpoints = new AtomicLong();
    public final AtomicLong checkpointErrors = new AtomicLong();
    public final AtomicLong snapshots = new AtomicLong();
    public final AtomicLong segments = new AtomicLong();
    public final AtomicLong generations = new AtomicLong();
    public final AtomicLong shippedBytes = new AtomicLong();

    /** Replication lag: how long the oldest committed transaction not yet in the replica has been waiting. */
    public Duration lag() {
        Instant since = unshippedSince;
        return since == null ? Duration.ZERO : Duration.between(since, Instant.now());
    }

    /** A snapshot of these counters for the status API. */
    public ReplicationStatus.Replicating status() {
        String error = lastError;
        return new ReplicationStatus.Replicating(state, generation, String.format("%08x", index), offset, lag().toMillis() / 1000.0,
                walBytes, lastSnapshotAt, lastSyncAt, lastShipAt, lastWriterHoldNanos / 1e9, syncs.get(), syncErrors.get(),
                checkpoints.get(), checkpointErrors.get(), snapshots.get(), segments.get(), generations.get(), error,
                error == null ? null : lastErrorAt);
    }
}
