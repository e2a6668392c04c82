package dev.lifeboat.sqlite;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one database's replication has done, readable from any thread (status API, metrics). A replicator re-created
 * after a halt starts from {@link #continuing} its predecessor's stats, so counters never go backwards.
 */
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

    /**
     * Fresh stats for a replicator that takes over from one whose stats were {@code previous} (null: the first one):
     * the counters and the times of the last sync, ship, snapshot and error carry over; where the replica stands
     * (generation, index, offset, unshipped frames) is the new replicator's to find out.
     */
    public static ReplicaStats continuing(ReplicaStats previous) {
        ReplicaStats s = new ReplicaStats();
        if (previous == null) {
            return s;
        }
        s.lastSnapshotAt = previous.lastSnapshotAt;
        s.lastSyncAt = previous.lastSyncAt;
        s.lastShipAt = previous.lastShipAt;
        s.lastError = previous.lastError;
        s.lastErrorAt = previous.lastErrorAt;
        s.lastWriterHoldNanos = previous.lastWriterHoldNanos;
        s.syncs.set(previous.syncs.get());
        s.syncErrors.set(previous.syncErrors.get());
        s.checkpoints.set(previous.checkpoints.get());
        s.checkpointErrors.set(previous.checkpointErrors.get());
        s.snapshots.set(previous.snapshots.get());
        s.segments.set(previous.segments.get());
        s.generations.set(previous.generations.get());
        s.shippedBytes.set(previous.shippedBytes.get());
        return s;
    }

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
