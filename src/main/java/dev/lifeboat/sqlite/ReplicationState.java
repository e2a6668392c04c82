package dev.lifeboat.sqlite;

import java.time.Instant;

/**
 * What one {@link Replicator} knows between syncs about its database's WAL, its shadow files and its replica: the
 * one place the copy, continuity, checkpoint, snapshot and ship steps read and move forward. Plain fields, touched
 * only by the replicator's syncs, one at a time (see {@link Replicator}); nothing here is published to other threads
 * ({@link ReplicaStats} and the {@link ShippedLedger} are).
 */
final class ReplicationState {
    /** Size of the read buffer (frames are read and verified this many bytes at a time). */
    static final int BATCH_BYTES = 1 << 20;

    // Copy side: the current WAL life, mirrored in shadow file `index`.
    String generation;
    int index;
    /** The life being copied; null while waiting for the life that becomes {@code index}. */
    Wal.Header header;
    /** Valid length of shadow file {@code index}. */
    long copied;
    /** Checksum pair of the last copied frame (or of the header): where the chain continues. */
    int ck1;
    int ck2;
    /** Database size after the last copied commit of this life, 0 if none. */
    int lastCommitPages;
    /** The life was fully copied when the read transaction began... */
    boolean complete;
    /** ...at this length. */
    long completeAt;
    boolean needSnapshot;
    boolean changedSinceSnapshot;
    Instant lastSnapshotAt;

    // Ship side: what the replica holds of the current generation.
    int shipIndex;
    long shipOffset;

    /** Whether the current sync copied any frame (a quiet WAL may be truncated without racing the app). */
    boolean copiedThisSync;
    /** Where the current life was copied to when Lifeboat last checkpointed it (-1: not checkpointed yet). */
    long checkpointedThrough = -1;

    /** What was shipped into the current generation: the one part read by another thread (the audit; it locks itself). */
    final ShippedLedger ledger = new ShippedLedger();

    /**
     * Reused for every WAL and shadow read: the agent runs in a small heap and copies the whole WAL through it. Made
     * when a sync needs it and let go after a sync that copied nothing, so that idle databases hold no megabyte each.
     */
    private byte[] batch;

    /** The shared read buffer, at least {@link #BATCH_BYTES} long. */
    byte[] batch() {
        if (batch == null) {
            batch = new byte[BATCH_BYTES];
        }
        return batch;
    }

    /** Drops the read buffer (the next sync that reads makes a new one). */
    void releaseBatch() {
        batch = null;
    }

    /** The shared read buffer, holding at least one frame of {@code frameSize}. */
    byte[] buffer(int frameSize) {
        if (batch().length < frameSize) {
            batch = new byte[frameSize];
        }
        return batch;
    }
}
