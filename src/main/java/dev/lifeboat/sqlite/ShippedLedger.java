package dev.lifeboat.sqlite;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the replicator has shipped into its current generation since the newest snapshot, in a few numbers per WAL
 * index (count, bytes and last offset of its segments): enough for {@link ReplicaAudit} to notice a missing or
 * truncated object in a listing without keeping a key per segment. Written by the syncs, read by the audit.
 * A generation becomes current only once its snapshot is shipped: until then the audit keeps checking the previous
 * one, which is what a restore would read.
 */
final class ShippedLedger {
    /** Segments of one WAL index: how many, their stored bytes in all, and the offset of the newest. */
    record Tally(int count, long bytes, long lastOffset) {
        Tally plus(long offset, long size) {
            return new Tally(count + 1, bytes + size, Math.max(lastOffset, offset));
        }
    }

    /**
     * A consistent copy for one audit.
     *
     * @param generation    the generation a restore would read
     * @param snapshotIndex WAL index of its newest snapshot
     * @param snapshotSize  stored bytes of that snapshot
     * @param indexes       tallies of WAL indexes from {@code snapshotIndex} on
     */
    record View(String generation, int snapshotIndex, long snapshotSize, SortedMap<Integer, Tally> indexes) {
        int lastIndex() {
            return indexes.isEmpty() ? snapshotIndex : indexes.lastKey();
        }
    }

    private String generation;
    private int snapshotIndex = -1;
    private long snapshotSize;
    private TreeMap<Integer, Tally> indexes = new TreeMap<>();
    /** A new generation whose snapshot is not shipped yet, with the segments shipped into it meanwhile (none). */
    private String pending;

    /** A new generation was started; it becomes current when its first snapshot is shipped. */
    synchronized void generationStarted(String g) {
        pending = g;
    }

    synchronized void snapshotShipped(String g, int index, long size) {
        if (g.equals(pending) || !g.equals(generation)) {
            generation = g;
            indexes = new TreeMap<>();
            pending = null;
        }
        snapshotIndex = index;
        snapshotSize = size;
        indexes.headMap(index).clear(); // a restore starts at the newest snapshot: older WAL is retention's business
    }

    synchronized void segmentShipped(String g, int index, long offset, long size) {
        if (g.equals(generation)) {
            indexes.merge(index, new Tally(1, size, offset), (a, b) -> a.plus(offset, size));
        }
    }

    /** Takes over what the replica holds of generation {@code g} when the replicator resumes it after a restart. */
    synchronized void resumed(ReplicaCatalog.Generation g) {
        ReplicaLayout.Snapshot snap = g.latestSnapshot().orElseThrow();
        generation = g.name();
        pending = null;
        snapshotIndex = snap.index();
        snapshotSize = snap.size();
        indexes = new TreeMap<>();
        for (ReplicaLayout.Segment s : g.segments()) {
            if (s.index() >= snapshotIndex) {
                segmentShipped(g.name(), s.index(), s.offset(), s.size());
            }
        }
    }

    /** The current generation's tallies, or null before its first snapshot is shipped. */
    synchronized View view() {
        return generation == null ? null : new View(generation, snapshotIndex, snapshotSize, Collections.unmodifiableSortedMap(new TreeMap<>(indexes)));
    }
}
