package dev.lifeboat.sqlite;

import dev.lifeboat.sqlite.ReplicaCatalog.Generation;
import dev.lifeboat.sqlite.ReplicaLayout.Segment;
import dev.lifeboat.sqlite.ReplicaLayout.Snapshot;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.Upload;
import org.jboss.logging.Logger;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What goes into the replica: WAL segments streamed from the shadow files, snapshots of the database as of the last
 * copied commit, and the deletions of retention.
 */
final class ReplicaUploads {
    /** Logs under the replicator's category, as before the replicator was split. */
    private static final Logger LOG = Logger.getLogger(Replicator.class);
    /**
     * A WAL segment ends once it has sent this many (compressed) bytes, or at {@link #MAX_SEGMENT_BYTES} of WAL: a
     * burst of writes becomes a few objects that each become visible (restorable) as soon as they are uploaded,
     * instead of one that waits for the whole burst. Memory does not depend on either (segments are streamed from
     * the shadow file; the store buffers at most a few parts). A fixed 8 MiB of WAL per segment used to turn one
     * second of a busy app into dozens of objects, where LZ4 had shrunk them to a few MiB in all.
     */
    static final long SEGMENT_TARGET_BYTES = 4L << 20;
    static final long MAX_SEGMENT_BYTES = 64L << 20;

    private final String name;
    private final ObjectStore store;
    private final ReplicaCodec codec;
    private final Duration retention;
    private final ShadowWal shadow;
    private final ReplicationState state;
    private final ReplicaStats stats;
    private final DatabaseConnections link;

    ReplicaUploads(String name, ObjectStore store, ReplicaCodec codec, Duration retention, ShadowWal shadow, ReplicationState state,
                   ReplicaStats stats, DatabaseConnections link) {
        this.name = name;
        this.store = store;
        this.codec = codec;
        this.retention = retention;
        this.shadow = shadow;
        this.state = state;
        this.stats = stats;
        this.link = link;
    }

    /** Uploads every copied byte not yet in the replica, one segment per WAL index. */
    void ship() throws IOException {
        if (state.needSnapshot || state.generation == null) {
            return;
        }
        while (true) {
            long size = state.shipIndex == state.index ? (state.header == null ? -1 : state.copied) : shadow.size(state.generation, state.shipIndex);
            while (size > state.shipOffset) {
                long end = Math.min(size, state.shipOffset + MAX_SEGMENT_BYTES);
                String key = ReplicaLayout.segmentKey(state.generation, state.shipIndex, state.shipOffset);
                try (Upload up = store.beginUpload(key); SegmentSink sink = new SegmentSink(up); OutputStream lz = codec.encode(sink)) {
                    end = copyShadow(state.shipIndex, state.shipOffset, end, lz, sink);
                    lz.close();
                    state.ledger.segmentShipped(state.generation, state.shipIndex, state.shipOffset, up.complete().size());
                }
                stats.segments.incrementAndGet();
                stats.shippedBytes.addAndGet(end - state.shipOffset);
                stats.lastShipAt = Instant.now();
                state.shipOffset = end;
            }
            if (state.shipIndex < state.index && shadow.size(state.generation, state.shipIndex + 1) >= 0) {
                shadow.delete(state.generation, state.shipIndex);
                state.shipIndex++;
                state.shipOffset = 0;
                continue;
            }
            break;
        }
        stats.offset = state.shipOffset;
        stats.index = state.shipIndex;
        if (state.shipIndex == state.index && (state.header == null || state.shipOffset == state.copied)) {
            stats.unshippedSince = null;
        }
    }

    /**
     * Writes shadow file {@code i}'s bytes from {@code from} towards {@code to} into {@code out}, stopping early once
     * {@code sink} has sent {@link #SEGMENT_TARGET_BYTES}; returns where it stopped.
     */
    private long copyShadow(int i, long from, long to, OutputStream out, SegmentSink sink) throws IOException {
        try (FileChannel ch = FileChannel.open(shadow.file(state.generation, i), StandardOpenOption.READ)) {
            byte[] buf = state.batch();
            long pos = from;
            while (pos < to && sink.sent < SEGMENT_TARGET_BYTES) {
                int len = (int) Math.min(buf.length, to - pos);
                if (WalCopier.readUpTo(ch, buf, len, pos) < len) {
                    throw new IOException("shadow WAL " + shadow.file(state.generation, i) + " is shorter than expected");
                }
                out.write(buf, 0, len);
                pos += len;
            }
            return pos;
        }
    }

    /**
     * What the LZ4 stream writes into: counts what it sent, and lets the stream finish its frame without closing
     * (and so aborting) the upload underneath.
     */
    private static final class SegmentSink extends FilterOutputStream {
        long sent;

        SegmentSink(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            sent += len;
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** Uploads the database as of the last copied commit, as the snapshot of the current index. */
    void snapshot() throws IOException {
        int pageSize;
        int pages;
        Map<Integer, Long> latest = new HashMap<>();
        RandomAccessFile dbf = link.dbFile();
        {
            byte[] dbHeader = new byte[100];
            dbf.seek(0);
            dbf.readFully(dbHeader);
            int ps = ((dbHeader[16] & 0xff) << 8) | (dbHeader[17] & 0xff);
            pageSize = state.header != null ? state.header.pageSize() : (ps == 1 ? 65536 : ps);
            // The last copied commit of the current life says how large the database is; without one, the
            // database file's header does (when its version-valid-for matches the change counter).
            pages = state.header != null ? state.lastCommitPages : 0;
            if (pages == 0) {
                int inHeader = Wal.be32(dbHeader, 28);
                boolean valid = inHeader > 0 && Wal.be32(dbHeader, 24) == Wal.be32(dbHeader, 92);
                pages = valid ? inHeader : (int) (dbf.length() / pageSize);
            }
            if (state.header != null) {
                int fs = state.header.frameSize();
                byte[] fh = new byte[Wal.FRAME_HEADER_SIZE];
                try (RandomAccessFile sf = new RandomAccessFile(shadow.file(state.generation, state.index).toFile(), "r")) {
                    for (long off = Wal.HEADER_SIZE; off + fs <= state.copied; off += fs) {
                        sf.seek(off);
                        sf.readFully(fh);
                        latest.put(Wal.pageNumber(fh, 0), off + Wal.FRAME_HEADER_SIZE);
                    }
                }
            }
            String key = ReplicaLayout.snapshotKey(state.generation, state.index);
            byte[] page = new byte[pageSize];
            try (RandomAccessFile sf = state.header == null ? null : new RandomAccessFile(shadow.file(state.generation, state.index).toFile(), "r");
                 Upload up = store.beginUpload(key); OutputStream lz = codec.encode(new SegmentSink(up))) {
                for (int p = 1; p <= pages; p++) {
                    Long off = latest.get(p);
                    RandomAccessFile src = off != null ? sf : dbf;
                    long at = off != null ? off : (long) (p - 1) * pageSize;
                    Arrays.fill(page, (byte) 0);
                    if (at < src.length()) {
                        src.seek(at);
                        src.readFully(page, 0, (int) Math.min(pageSize, src.length() - at));
                    }
                    lz.write(page);
                }
                lz.close();
                state.ledger.snapshotShipped(state.generation, state.index, up.complete().size());
            }
        }
        state.needSnapshot = false;
        state.changedSinceSnapshot = false;
        state.lastSnapshotAt = Instant.now();
        stats.lastSnapshotAt = state.lastSnapshotAt;
        stats.snapshots.incrementAndGet();
        LOG.infof("sqlite %s: snapshot of generation %s index %08x (%d pages)", name, state.generation, state.index, pages);
    }

    /** Deletes what is older than the retention period, never the newest snapshot's chain nor the current generation's. */
    void enforceRetention() throws IOException {
        Instant cutoff = Instant.now().minus(retention);
        ReplicaCatalog catalog = ReplicaCatalog.load(store);
        List<String> doomed = new ArrayList<>();
        for (Generation g : catalog.generations().values()) {
            if (g.name().equals(state.generation)) {
                int keepFrom = g.snapshots().stream().filter(s -> !s.createdAt().isBefore(cutoff)).mapToInt(Snapshot::index).min()
                        .orElse(g.latestSnapshot().map(Snapshot::index).orElse(0));
                int newest = g.latestSnapshot().map(Snapshot::index).orElse(0);
                keepFrom = Math.min(keepFrom, newest);
                for (Snapshot s : g.snapshots()) {
                    if (s.index() < keepFrom) {
                        doomed.add(ReplicaLayout.snapshotKey(g.name(), s.index()));
                    }
                }
                for (Segment s : g.segments()) {
                    if (s.index() < keepFrom) {
                        doomed.add(ReplicaLayout.segmentKey(g.name(), s.index(), s.offset()));
                    }
                }
            } else if (g.updatedAt().isBefore(cutoff)) {
                g.snapshots().forEach(s -> doomed.add(ReplicaLayout.snapshotKey(g.name(), s.index())));
                g.segments().forEach(s -> doomed.add(ReplicaLayout.segmentKey(g.name(), s.index(), s.offset())));
            }
        }
        if (!doomed.isEmpty()) {
            store.deleteAll(doomed);
            LOG.infof("sqlite %s: retention removed %d object(s) older than %s", name, doomed.size(), cutoff);
        }
    }
}
