package dev.lifeboat.sqlite;

import dev.lifeboat.sqlite.ReplicaCatalog.Generation;
import dev.lifeboat.sqlite.ReplicaLayout.Segment;
import dev.lifeboat.sqlite.ReplicaLayout.Snapshot;
import dev.lifeboat.store.ObjectStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/**
 * Whether the replica's current generation can go on, and the next WAL life or a new generation when it cannot (see
 * "When continuity breaks" in {@link Replicator}): on (re)opening, it resumes the generation recorded in the shadow
 * directory when the shadow, the replica and the WAL agree; while following, it tells an expected WAL restart from
 * one that may have lost frames, which only an intact old tail can rule out.
 */
final class Continuity {
    /** Logs under the replicator's category, as before the replicator was split. */
    private static final Logger LOG = Logger.getLogger(Replicator.class);

    private final String name;
    private final ObjectStore store;
    private final ReplicaCodec codec;
    private final ShadowWal shadow;
    private final Path walPath;
    private final ReplicationState state;
    private final ReplicaStats stats;
    private final WalCopier copier;
    private final DatabaseConnections link;
    /** Follows the checksum chain of a shadow file being loaded and of an old life's tail. */
    private final WalScanner scanner = new WalScanner();

    Continuity(String name, ObjectStore store, ReplicaCodec codec, ShadowWal shadow, Path walPath, ReplicationState state, ReplicaStats stats,
               WalCopier copier, DatabaseConnections link) {
        this.name = name;
        this.store = store;
        this.codec = codec;
        this.shadow = shadow;
        this.walPath = walPath;
        this.state = state;
        this.stats = stats;
        this.copier = copier;
        this.link = link;
    }

    /** After (re)opening: continue the recorded generation if the shadow, the replica and the WAL agree, else start a new one. */
    void recover() throws IOException, SQLException {
        link.lockWriters();
        try {
            String g = shadow.currentGeneration();
            String why = g == null ? "no previous generation" : resume(g);
            if (why != null) {
                startGeneration(why);
            }
            link.anchorRead();
        } finally {
            link.unlockWriters();
        }
    }

    /** Tries to continue generation {@code g}; returns null on success or why it cannot be continued. */
    private String resume(String g) throws IOException, SQLException {
        List<Integer> local = shadow.indexes(g);
        if (local.isEmpty()) {
            return "shadow WAL of generation " + g + " is missing";
        }
        Generation remote = ReplicaCatalog.of(store.list(ReplicaLayout.generationPrefix(g))).get(g).orElse(null);
        if (remote == null || remote.snapshots().isEmpty()) {
            return "generation " + g + " has no snapshot in the replica";
        }
        // Where the replica ends: the last segment's end, or the newest snapshot's index when no WAL follows it.
        Snapshot newestSnap = remote.latestSnapshot().orElseThrow();
        int rIndex = newestSnap.index();
        long rEnd = 0;
        byte[] lastShipped = null; // the end of the last segment (all of it when short)
        if (!remote.segments().isEmpty()) {
            Segment last = remote.segments().getLast();
            if (last.index() >= rIndex) {
                if (codec.encrypts() && codec.identities().isEmpty()) {
                    return "the replica is encrypted and no identity-files are configured to read where it ends";
                }
                long length;
                try (InputStream in = codec.decode(store.get(ReplicaLayout.segmentKey(g, last.index(), last.offset())))) {
                    // Only the end is compared below: a segment can be far larger than the agent's heap.
                    StreamEnd end = readEnd(in, 4096 + Wal.FRAME_HEADER_SIZE);
                    length = end.length();
                    lastShipped = end.last();
                }
                rIndex = last.index();
                rEnd = last.offset() + length;
            }
        }
        int current = local.getLast();
        state.generation = g;
        state.index = current;
        try {
            loadShadow(current);
        } catch (IOException unreadable) {
            // e.g. killed between creating the next index's shadow file and writing its header
            return unreadable.getMessage();
        }
        if (local.contains(rIndex)) {
            long size = rIndex == current ? state.copied : shadow.size(g, rIndex);
            if (size < rEnd) {
                return "replica holds more of WAL index " + rIndex + " than the shadow WAL";
            }
            if (lastShipped != null && lastShipped.length >= Wal.FRAME_HEADER_SIZE) {
                byte[] mine = shadow.read(g, rIndex, rEnd - lastShipped.length, lastShipped.length);
                if (!Arrays.equals(mine, lastShipped)) {
                    return "replica and shadow WAL disagree at index " + rIndex;
                }
            }
            state.shipIndex = rIndex;
            state.shipOffset = rEnd;
        } else if (local.getFirst() == rIndex + 1) {
            state.shipIndex = rIndex + 1; // rIndex was shipped whole before its shadow file was deleted
            state.shipOffset = 0;
        } else {
            return "shadow WAL and replica do not meet (replica at index " + rIndex + ", shadow from " + local.getFirst() + ")";
        }
        state.lastSnapshotAt = newestSnap.createdAt();
        Wal.Header now = copier.readWalHeader();
        if (now != null && now.sameAs(state.header)) {
            if (state.copied > Wal.HEADER_SIZE) {
                int fs = state.header.frameSize();
                byte[] a = shadow.read(g, state.index, state.copied - fs, fs);
                byte[] b = copier.readWal(state.copied - fs, fs);
                if (b == null || !Arrays.equals(a, b)) {
                    return "WAL was overwritten while Lifeboat did not hold the database (not running, or waiting for space)";
                }
            }
        } else if (!tailIntact(now)) {
            return "WAL was reset while Lifeboat did not hold the database (not running, or waiting for space)";
        } else {
            copier.nextLife(now);
        }
        stats.generation = g;
        state.ledger.resumed(remote);
        LOG.infof("sqlite %s: continuing generation %s at index %08x offset %d", name, g, state.index, state.copied);
        return null;
    }

    /** How long a stream was, and its last bytes. */
    private record StreamEnd(long length, byte[] last) {
    }

    /** Reads {@code in} to its end, keeping only its last {@code n} bytes (all of it when shorter). */
    private StreamEnd readEnd(InputStream in, int n) throws IOException {
        byte[] last = new byte[0];
        long length = 0;
        for (int r; (r = in.readNBytes(state.batch(), 0, state.batch().length)) > 0; length += r) {
            int fromChunk = Math.min(r, n);
            int fromLast = Math.min(last.length, n - fromChunk);
            byte[] next = new byte[fromLast + fromChunk];
            System.arraycopy(last, last.length - fromLast, next, 0, fromLast);
            System.arraycopy(state.batch(), r - fromChunk, next, fromLast, fromChunk);
            last = next;
        }
        return new StreamEnd(length, last);
    }

    /** Loads shadow file {@code i} as the current life: header, valid length (a torn tail is cut), last checksum. */
    private void loadShadow(int i) throws IOException {
        long size = shadow.size(state.generation, i);
        byte[] head = size >= Wal.HEADER_SIZE ? shadow.read(state.generation, i, 0, Wal.HEADER_SIZE) : null;
        state.header = Wal.parseHeader(head);
        if (state.header == null) {
            throw new IOException("shadow WAL " + shadow.file(state.generation, i) + " has no valid header");
        }
        int fs = state.header.frameSize();
        scanner.start(state.header, state.header.checksum1(), state.header.checksum2(), 0);
        try (FileChannel ch = FileChannel.open(shadow.file(state.generation, i), StandardOpenOption.READ)) {
            byte[] buf = state.buffer(fs);
            long pos = Wal.HEADER_SIZE;
            while (pos + fs <= size && !scanner.ended()) {
                int n = (int) Math.min(buf.length / fs, (size - pos) / fs);
                WalCopier.readFully(ch, buf, n * fs, pos);
                pos += (long) scanner.verify(buf, 0, n * fs) * fs;
            }
        }
        state.copied = Wal.HEADER_SIZE + scanner.committedFrames() * fs;
        state.ck1 = scanner.commitChecksum1();
        state.ck2 = scanner.commitChecksum2();
        state.lastCommitPages = scanner.commitPages();
        if (state.copied < size) {
            shadow.truncate(state.generation, i, state.copied);
        }
    }

    /**
     * With writers held out: true when the WAL, whose header is now {@code now}, was restarted exactly once after
     * the current life and every frame the old life had beyond what was copied is still readable (and is copied
     * into the shadow now). False when frames may have been lost.
     */
    boolean tailIntact(Wal.Header now) throws IOException {
        if (state.header == null) {
            return now != null; // waiting for a life: nothing of the previous one is outstanding
        }
        if (now == null || now.salt1() != state.header.salt1() + 1 || now.pageSize() != state.header.pageSize()) {
            return false;
        }
        int fs = state.header.frameSize();
        byte[] buf = state.buffer(fs);
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            long fileFrames = (ch.size() - Wal.HEADER_SIZE) / fs;
            // The new life's frames: SQLite appends every frame at the life's next position, so they are exactly
            // the positions from 1 on that carry its salts.
            long newLifeEnd = 0;
            byte[] fh = new byte[Wal.FRAME_HEADER_SIZE];
            while (newLifeEnd < fileFrames) {
                if (WalCopier.readUpTo(ch, fh, fh.length, now.frameOffset(newLifeEnd + 1)) < fh.length || !now.saltsMatch(fh, 0)) {
                    break;
                }
                newLifeEnd++;
            }
            // Follow the old life's chain after the copied frames, remembering its last commit.
            long firstUncopied = (state.copied - Wal.HEADER_SIZE) / fs + 1;
            long n = firstUncopied; // the first frame not (yet) known to continue the chain
            scanner.start(state.header, state.ck1, state.ck2, state.lastCommitPages);
            while (n <= fileFrames && !scanner.ended()) {
                int k = (int) Math.min(buf.length / fs, fileFrames - n + 1);
                k = WalCopier.readUpTo(ch, buf, k * fs, state.header.frameOffset(n)) / fs;
                if (k == 0) {
                    fileFrames = n - 1; // cut by someone else while we read: what is gone proves nothing
                    break;
                }
                n += scanner.verify(buf, 0, k * fs);
            }
            long committedThrough = firstUncopied - 1 + scanner.committedFrames();
            // Proof that the old life ended: a frame that is physically there, breaks its chain and was not written by
            // the new life. Running into the end of the file proves nothing: TRUNCATE (or journal_size_limit) may have
            // cut the old life's last frames away.
            boolean intact = n <= fileFrames && n > newLifeEnd;
            if (!intact) {
                return false;
            }
            // Writers are held out and our read keeps the new life from being checkpointed: the tail stays put.
            copier.appendFromWal(ch, state.header.frameOffset(firstUncopied), state.header.frameOffset(committedThrough + 1));
        }
        return true;
    }

    /** Starts a new generation from the current state (writers must be held out); its snapshot is taken next. */
    void startGeneration(String reason) throws IOException, SQLException {
        String g = ReplicaLayout.newGeneration();
        LOG.infof("sqlite %s: starting generation %s: %s", name, g, reason);
        shadow.setGeneration(g);
        state.generation = g;
        state.index = 0;
        state.header = null;
        state.lastCommitPages = 0;
        Wal.Header h = copier.readWalHeader();
        if (h != null) {
            copier.startLife(h);
        }
        state.shipIndex = 0;
        state.shipOffset = 0;
        state.needSnapshot = true;
        stats.generation = g;
        stats.index = 0;
        stats.generations.incrementAndGet();
        state.ledger.generationStarted(g);
    }

    /** Starts a new generation now, with the writers held out (a repair: the audit found the replica damaged). */
    void restartGeneration(String reason) throws IOException, SQLException {
        link.lockWriters();
        try {
            startGeneration(reason);
            link.endRead();
            link.anchorRead();
        } finally {
            link.unlockWriters();
        }
    }

    /** Steady state: follows the WAL while holding the read transaction. */
    void follow() throws IOException, SQLException {
        Wal.Header now = copier.readWalHeader();
        if (state.header == null ? now == null : now != null && now.sameAs(state.header)) {
            copier.copyFrames();
            return;
        }
        if (state.header == null || (state.complete && state.copied == state.completeAt && now != null && now.salt1() == state.header.salt1() + 1)) {
            copier.nextLife(now);
            link.repin();
            copier.copyFrames();
            return;
        }
        // Unexpected change: decide with writers held out.
        link.lockWriters();
        try {
            now = copier.readWalHeader();
            if (now != null && now.sameAs(state.header)) {
                copier.copyFrames();
            } else {
                adoptChangedWal(now);
            }
            link.endRead();
            link.anchorRead();
        } finally {
            link.unlockWriters();
        }
    }

    /**
     * With the writers held out, for a WAL that is no longer the life being followed: continues into its next life
     * when the old one's uncopied tail is still there to copy, else starts a new generation.
     */
    void adoptChangedWal(Wal.Header now) throws IOException, SQLException {
        if (tailIntact(now)) {
            copier.nextLife(now);
        } else {
            startGeneration(now == null ? "WAL was reset by another process" : "WAL was restarted by another process");
        }
    }
}
