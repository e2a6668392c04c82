package dev.lifeboat.sqlite;

import dev.lifeboat.sqlite.ReplicaCatalog.Generation;
import dev.lifeboat.sqlite.ReplicaLayout.Segment;
import dev.lifeboat.sqlite.ReplicaLayout.Snapshot;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.Upload;
import org.jboss.logging.Logger;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Continuous replication of one SQLite database into a Litestream-0.3-layout replica. Not thread-safe: one thread
 * calls {@link #sync()} every sync interval (see {@link ReplicationService}).
 *
 * <h2>How frames are kept safe</h2>
 * Lifeboat holds a read transaction on the database at all times except inside its own checkpoints. SQLite cannot
 * restart (overwrite) the WAL while a reader uses a WAL snapshot, nor copy frames into the database file while a
 * reader reads the file alone, so frames cannot vanish before they are copied into the {@link ShadowWal}. Each
 * sync copies newly committed frames (salts and checksum chain verified, whole transactions only) into the shadow
 * file of the current WAL index and ships them as one segment. Lifeboat's checkpoints hold the app's writers
 * (BEGIN IMMEDIATE on a second connection) only while they copy the last frames, checkpoint PASSIVE and take the
 * read transaction back, so the following WAL restart is known to lose nothing and simply starts the next index.
 * Between its checkpoints Lifeboat also holds SQLite's checkpointer lock ({@link CheckpointerLock}): for the app's
 * speed, not for safety.
 *
 * <h2>When continuity breaks</h2>
 * Any WAL change that cannot be proven to follow the copied frames (a restart Lifeboat did not see coming, a WAL
 * reset by another process, a replaced database file, a lost shadow file) starts a new generation with a new
 * snapshot instead of guessing. Proof after the fact is possible only in one case: the WAL was restarted exactly
 * once (salt-1 incremented) and the old life's frames after the copied ones are still intact past the new life's
 * frames; everything else is a new generation.
 *
 * <h2>Snapshots</h2>
 * A snapshot is the database as of the last copied commit: each page from the newest copy in the current index's
 * shadow frames, else from the database file (which, under the read transaction, can only be changed for pages
 * that have such frames). It is uploaded before any WAL segment of a new generation, so every generation in the
 * replica can be restored by litestream or Lifeboat at any point.
 */
public final class Replicator implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Replicator.class);
    /** Longest Lifeboat waits to hold the app's writers out; past it the step is retried at the next sync. */
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(10);
    /** How long a checkpoint waits for a busy app to restart the WAL (it does at its next transaction). */
    private static final Duration RESTART_WAIT = Duration.ofMillis(20);
    /** At most this many checkpoint rounds without holding the app (see {@link #checkpointUnheld}). */
    private static final int UNHELD_ROUNDS = 4;
    /** A round shorter than this leaves little enough for the checkpoint under the hold. */
    private static final Duration UNHELD_ENOUGH = Duration.ofMillis(3);
    /** See {@link #lockedOutDespiteLock}; more than once, as a torn read of SQLite's WAL index also stops a checkpoint. */
    private static final int LOCKED_OUT_LIMIT = 3;
    /**
     * A WAL segment ends once it has sent this many (compressed) bytes, or at {@link #MAX_SEGMENT_BYTES} of WAL: a
     * burst of writes becomes a few objects that each become visible (restorable) as soon as they are uploaded,
     * instead of one that waits for the whole burst. Memory does not depend on either (segments are streamed from
     * the shadow file; the store buffers at most a few parts). A fixed 8 MiB of WAL per segment used to turn one
     * second of a busy app into dozens of objects, where LZ4 had shrunk them to a few MiB in all.
     */
    static final long SEGMENT_TARGET_BYTES = 4L << 20;
    static final long MAX_SEGMENT_BYTES = 64L << 20;

    /**
     * Tuning of one database's replication.
     *
     * @param snapshotInterval how often a new snapshot is taken while the database changes
     * @param retention        how long snapshots and WAL are kept (the newest snapshot's chain always is)
     * @param checkpointPages  copied frames in the current WAL index after which Lifeboat checkpoints PASSIVE
     * @param truncateWalBytes WAL file size past which Lifeboat checkpoints TRUNCATE to give the space back
     */
    public record Settings(Duration snapshotInterval, Duration retention, int checkpointPages, long truncateWalBytes) {
        public static final int DEFAULT_CHECKPOINT_PAGES = 1000;
        public static final long DEFAULT_TRUNCATE_WAL_BYTES = 64L << 20;
    }

    private final String name;
    private final Path db;
    private final Path walPath;
    private final ObjectStore store;
    private final Settings settings;
    private final ShadowWal shadow;
    private final ReplicaStats stats = new ReplicaStats();

    private Connection reader;
    /** Whether this replicator has opened the database once (see {@link ShadowWal#createRoot}). */
    private boolean started;
    private Connection locker;
    /** Keeps the app's futile checkpoint attempts short between Lifeboat's own checkpoints (see the class). */
    private final CheckpointerLock checkpointer;
    // Snapshots read the database file through this one descriptor, opened with the connections and closed after
    // them: closing any descriptor of a file drops all of this process's POSIX locks on it, SQLite's included.
    private RandomAccessFile dbFile;
    private Object dbFileKey;

    /** Where copying, shipping and checkpointing stand (see the class comment). */
    private final ReplicationState state = new ReplicationState();

    private final ReplicaCodec codec;
    /** Follows the checksum chain for every scan (copy, shadow load, tail check): one at a time, never nested. */
    private final WalScanner scanner = new WalScanner();
    /**
     * How often one of Lifeboat's checkpoints found another one running although Lifeboat held the checkpointer lock:
     * a connection of this same process (POSIX locks do not keep those apart), or a VFS that does not take the lock.
     * Moving the read then hands that checkpointer a whole interval's frames, which Lifeboat's next checkpoint would
     * wait behind (an app in the same process that checkpoints after every commit never got its WAL restarted), so
     * past {@link #LOCKED_OUT_LIMIT} times {@link #checkpointUnheld} stops moving it.
     */
    private int lockedOutDespiteLock;
    /** The WAL's modification time seen by the previous sync's checkpoint decision. */
    private FileTime lastWalChange;

    public Replicator(String name, Path db, ObjectStore store, Settings settings) {
        this(name, db, store, settings, ReplicaCodec.PLAIN);
    }

    public Replicator(String name, Path db, ObjectStore store, Settings settings, ReplicaCodec codec) {
        this.codec = codec;
        this.name = name;
        this.db = db.toAbsolutePath();
        this.walPath = SqliteFiles.wal(this.db);
        this.store = store;
        this.settings = settings;
        this.shadow = new ShadowWal(this.db);
        this.checkpointer = new CheckpointerLock(this.db);
    }

    public ReplicaStats stats() {
        return stats;
    }

    public String name() {
        return name;
    }

    public Path database() {
        return db;
    }

    /** Copies and ships whatever was committed since the last call; snapshots, checkpoints and prunes when due. */
    public void sync() {
        try {
            syncOnce();
            stats.syncs.incrementAndGet();
            stats.lastSyncAt = Instant.now();
        } catch (IOException | SQLException | RuntimeException | Error e) {
            // Errors too (an OutOfMemoryError): one escaping the scheduled task would silently end replication.
            stats.syncErrors.incrementAndGet();
            stats.lastError = e.getMessage();
            stats.lastErrorAt = Instant.now();
            LOG.warnf("sqlite %s: sync failed: %s", name, e.toString());
            if (e instanceof SQLException || e instanceof Error) {
                closeConnections(); // start over from the shadow and the replica on the next sync
            }
        }
    }

    private void syncOnce() throws IOException, SQLException {
        state.copiedThisSync = false;
        if (!Files.exists(db) || Files.size(db) == 0) {
            stats.state = "waiting for the application to create " + db;
            return;
        }
        Object key = Files.readAttributes(db, BasicFileAttributes.class).fileKey();
        if (reader != null && key != null && !key.equals(dbFileKey)) {
            LOG.warnf("sqlite %s: database file %s was replaced; starting a new generation", name, db);
            closeConnections();
            state.generation = null;
        }
        if (reader == null) {
            open();
            dbFileKey = key;
            try {
                recover();
            } catch (IOException | SQLException | RuntimeException e) {
                // Half-recovered state must never be synced from: the next sync starts over from the shadow and the
                // replica (a sync that carried on here shipped later WAL into the old generation, leaving a gap).
                closeConnections();
                throw e;
            }
        } else {
            follow();
        }
        if (state.needSnapshot) {
            snapshot();
        }
        ship();
        maybeCheckpoint();
        if (state.changedSinceSnapshot && state.lastSnapshotAt != null
                && Duration.between(state.lastSnapshotAt, Instant.now()).compareTo(settings.snapshotInterval()) >= 0) {
            snapshot();
            ship();
            enforceRetention();
        }
        stats.walBytes = Files.exists(walPath) ? Files.size(walPath) : 0;
        stats.state = "replicating";
        checkpointer.acquire();
    }

    // ---------------------------------------------------------------- SQLite connections and locks

    private void open() throws SQLException, IOException {
        if (!started) {
            shadow.createRoot(); // replication starts: the one moment the shadow directory may be created
            started = true;
        }
        dbFile = new RandomAccessFile(db.toFile(), "r");
        reader = SqliteFiles.open(db);
        locker = SqliteFiles.open(db);
        try (Statement s = reader.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = wal")) {
                String mode = rs.next() ? rs.getString(1) : "?";
                if (!"wal".equalsIgnoreCase(mode)) {
                    throw new SQLException("cannot switch " + db + " to WAL mode (journal_mode is " + mode + "); is another process holding it?");
                }
            }
        }
        try (Statement s = locker.createStatement()) {
            s.execute("PRAGMA busy_timeout = 0"); // see lockWriters
        }
    }

    private void closeConnections() {
        try {
            checkpointer.release(); // before SQLite may checkpoint while closing
        } catch (IOException e) {
            LOG.debugf("sqlite %s: releasing the checkpointer lock: %s", name, e.getMessage());
        }
        for (Connection c : new Connection[]{reader, locker}) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing a broken connection
                }
            }
        }
        reader = null;
        locker = null;
        state.complete = false;
        try {
            checkpointer.close(); // after the connections: closing it drops this process's locks on the -shm file
        } catch (IOException e) {
            LOG.debugf("sqlite %s: closing the -shm file: %s", name, e.getMessage());
        }
        if (dbFile != null) {
            try {
                dbFile.close();
            } catch (IOException ignored) {
                // read-only descriptor
            }
            dbFile = null;
        }
    }

    private void beginRead() throws SQLException {
        reader.setAutoCommit(false);
        try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
            rs.next();
        }
    }

    private void endRead() throws SQLException {
        if (!reader.getAutoCommit()) {
            reader.rollback();
            reader.setAutoCommit(true);
        }
        state.complete = false;
    }

    /** Holds every writer of the database out (BEGIN IMMEDIATE); SQLException when the app holds the write lock too long. */
    private void lockWriters() throws SQLException {
        // SQLite's own busy handler sleeps for milliseconds between tries and loses every race against an app that
        // commits back to back; polling every 50 µs catches the gap between two of its transactions.
        long deadline = System.nanoTime() + LOCK_TIMEOUT.toNanos();
        try (Statement s = locker.createStatement()) {
            while (true) {
                try {
                    s.execute("BEGIN IMMEDIATE");
                    return;
                } catch (SQLException e) {
                    boolean busy = e.getErrorCode() == 5 || e.getErrorCode() == 6 || String.valueOf(e.getMessage()).contains("SQLITE_BUSY");
                    if (!busy || System.nanoTime() > deadline) {
                        throw e;
                    }
                    LockSupport.parkNanos(50_000);
                }
            }
        }
    }

    private void unlockWriters() {
        try (Statement s = locker.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException e) {
            LOG.debugf("sqlite %s: rollback of the writer lock: %s", name, e.getMessage());
        }
    }

    /** Begins the long-lived read while writers are held out, so the current life is known to be fully copied. */
    private void anchorRead() throws SQLException, IOException {
        copyFrames();
        beginRead();
        state.complete = true;
        state.completeAt = state.copied;
    }

    // ---------------------------------------------------------------- continuity

    /** After (re)opening: continue the recorded generation if the shadow, the replica and the WAL agree, else start a new one. */
    private void recover() throws IOException, SQLException {
        lockWriters();
        try {
            String g = shadow.currentGeneration();
            String why = g == null ? "no previous generation" : resume(g);
            if (why != null) {
                startGeneration(why);
            }
            anchorRead();
        } finally {
            unlockWriters();
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
        Wal.Header now = readWalHeader();
        if (now != null && now.sameAs(state.header)) {
            if (state.copied > Wal.HEADER_SIZE) {
                int fs = state.header.frameSize();
                byte[] a = shadow.read(g, state.index, state.copied - fs, fs);
                byte[] b = readWal(state.copied - fs, fs);
                if (b == null || !Arrays.equals(a, b)) {
                    return "WAL was overwritten while Lifeboat was not running";
                }
            }
        } else if (!tailIntact(now)) {
            return "WAL was reset while Lifeboat was not running";
        } else {
            nextLife(now);
        }
        stats.generation = g;
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
        for (int r; (r = in.readNBytes(state.batch, 0, state.batch.length)) > 0; length += r) {
            int fromChunk = Math.min(r, n);
            int fromLast = Math.min(last.length, n - fromChunk);
            byte[] next = new byte[fromLast + fromChunk];
            System.arraycopy(last, last.length - fromLast, next, 0, fromLast);
            System.arraycopy(state.batch, r - fromChunk, next, fromLast, fromChunk);
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
                readFully(ch, buf, n * fs, pos);
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
    private boolean tailIntact(Wal.Header now) throws IOException {
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
                if (readUpTo(ch, fh, fh.length, now.frameOffset(newLifeEnd + 1)) < fh.length || !now.saltsMatch(fh, 0)) {
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
                k = readUpTo(ch, buf, k * fs, state.header.frameOffset(n)) / fs;
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
            appendFromWal(ch, state.header.frameOffset(firstUncopied), state.header.frameOffset(committedThrough + 1));
        }
        return true;
    }

    /** Starts the next WAL index for a new life of the WAL (or waits for one when {@code h} is null). */
    private void nextLife(Wal.Header h) throws IOException {
        if (state.header != null) {
            state.index++;
        }
        state.header = null;
        state.lastCommitPages = 0;
        if (h != null) {
            startLife(h);
        }
    }

    private void startLife(Wal.Header h) throws IOException {
        state.checkpointedThrough = -1;
        state.header = h;
        shadow.create(state.generation, state.index, h);
        state.copied = Wal.HEADER_SIZE;
        state.ck1 = h.checksum1();
        state.ck2 = h.checksum2();
        state.lastCommitPages = 0;
        stats.index = state.index;
    }

    /** Starts a new generation from the current state (writers must be held out); its snapshot is taken next. */
    private void startGeneration(String reason) throws IOException, SQLException {
        String g = ReplicaLayout.newGeneration();
        LOG.infof("sqlite %s: starting generation %s: %s", name, g, reason);
        shadow.setGeneration(g);
        state.generation = g;
        state.index = 0;
        state.header = null;
        state.lastCommitPages = 0;
        Wal.Header h = readWalHeader();
        if (h != null) {
            startLife(h);
        }
        state.shipIndex = 0;
        state.shipOffset = 0;
        state.needSnapshot = true;
        stats.generation = g;
        stats.index = 0;
        stats.generations.incrementAndGet();
    }

    /** Steady state: follows the WAL while holding the read transaction. */
    private void follow() throws IOException, SQLException {
        Wal.Header now = readWalHeader();
        if (state.header == null ? now == null : now != null && now.sameAs(state.header)) {
            copyFrames();
            return;
        }
        if (state.header == null || (state.complete && state.copied == state.completeAt && now != null && now.salt1() == state.header.salt1() + 1)) {
            nextLife(now);
            repin();
            copyFrames();
            return;
        }
        // Unexpected change: decide with writers held out.
        lockWriters();
        try {
            now = readWalHeader();
            if (now != null && now.sameAs(state.header)) {
                copyFrames();
            } else {
                adoptChangedWal(now);
            }
            endRead();
            anchorRead();
        } finally {
            unlockWriters();
        }
    }

    /**
     * With the writers held out, for a WAL that is no longer the life being followed: continues into its next life
     * when the old one's uncopied tail is still there to copy, else starts a new generation.
     */
    private void adoptChangedWal(Wal.Header now) throws IOException, SQLException {
        if (tailIntact(now)) {
            nextLife(now);
        } else {
            startGeneration(now == null ? "WAL was reset by another process" : "WAL was restarted by another process");
        }
    }

    // ---------------------------------------------------------------- copying frames

    private Wal.Header readWalHeader() throws IOException {
        byte[] b = readWal(0, Wal.HEADER_SIZE);
        return b == null ? null : Wal.parseHeader(b);
    }

    /** Reads {@code len} bytes of the real WAL at {@code off}, or null when it is shorter. */
    private byte[] readWal(long off, int len) throws IOException {
        if (!Files.exists(walPath)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(len);
            while (buf.hasRemaining()) {
                if (ch.read(buf, off + buf.position()) < 0) {
                    return null;
                }
            }
            return buf.array();
        }
    }

    /**
     * Copies the committed frames that follow {@code copied} in the current life into the shadow file. Appends are
     * not fsynced: shadow files live for about one sync interval and an fsync would write every WAL byte to the disk
     * a second time, competing with the app's own syncs. After a power loss the shadow is cut at its last verified
     * commit when it is loaded, and a shadow that no longer meets the WAL or the replica starts a new generation
     * (the app's own last commits may be gone too: synchronous=NORMAL does not sync them). Frames are verified and appended a buffer at a time; a transaction larger than the
     * buffer is verified across reads and then copied from the WAL again, so memory does not grow with it.
     */
    private void copyFrames() throws IOException {
        if (state.header == null) {
            Wal.Header h = readWalHeader();
            if (h == null) {
                return;
            }
            startLife(h);
        }
        if (!Files.exists(walPath)) {
            return;
        }
        int fs = state.header.frameSize();
        byte[] buf = state.buffer(fs);
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            long walSize = ch.size();
            long from = state.copied;
            long scan = state.copied; // next frame to verify; frames between copied and scan continue the chain uncommitted
            scanner.start(state.header, state.ck1, state.ck2, state.lastCommitPages);
            // The chain ends at a transaction still being written, or at an older life's frame.
            while (scan + fs <= walSize && !scanner.ended()) {
                int n = (int) Math.min(buf.length / fs, (walSize - scan) / fs);
                n = readUpTo(ch, buf, n * fs, scan) / fs;
                if (n == 0) {
                    break;
                }
                long bufStart = scan;
                scan += (long) scanner.verify(buf, 0, n * fs) * fs;
                long committedEnd = from + scanner.committedFrames() * fs;
                if (committedEnd > state.copied) {
                    if (bufStart == state.copied) {
                        appendCopied(buf, (int) (committedEnd - state.copied));
                    } else {
                        appendFromWal(ch, state.copied, committedEnd);
                    }
                    // Only now: the chain's next link must be the shadow's last frame, also when an append failed.
                    state.ck1 = scanner.commitChecksum1();
                    state.ck2 = scanner.commitChecksum2();
                    state.lastCommitPages = scanner.commitPages();
                }
            }
        }
    }

    /** Appends the WAL's bytes {@code [from, to)} (whole committed transactions, already verified) to the shadow file. */
    private void appendFromWal(FileChannel wal, long from, long to) throws IOException {
        byte[] buf = state.batch;
        for (long pos = from; pos < to; ) {
            int len = (int) Math.min(buf.length, to - pos);
            readFully(wal, buf, len, pos);
            appendCopied(buf, len);
            pos += len;
        }
    }

    private void appendCopied(byte[] bytes, int len) throws IOException {
        shadow.append(state.generation, state.index, state.copied, bytes, len);
        state.copied += len;
        state.copiedThisSync = true;
        state.changedSinceSnapshot = true;
        if (stats.unshippedSince == null) {
            stats.unshippedSince = Instant.now();
        }
    }

    private static void readFully(FileChannel ch, byte[] buf, int len, long at) throws IOException {
        if (readUpTo(ch, buf, len, at) < len) {
            throw new IOException("unexpected end of file at " + at);
        }
    }

    /** Reads up to {@code len} bytes at {@code at}; fewer only where the file ends (another process may cut the WAL). */
    private static int readUpTo(FileChannel ch, byte[] buf, int len, long at) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
        while (bb.hasRemaining() && ch.read(bb, at + bb.position()) >= 0) {
            // fill
        }
        return bb.position();
    }

    // ---------------------------------------------------------------- shipping

    /** Uploads every copied byte not yet in the replica, one segment per WAL index. */
    private void ship() throws IOException {
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
                    up.complete();
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
            byte[] buf = state.batch;
            long pos = from;
            while (pos < to && sink.sent < SEGMENT_TARGET_BYTES) {
                int len = (int) Math.min(buf.length, to - pos);
                if (readUpTo(ch, buf, len, pos) < len) {
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

    // ---------------------------------------------------------------- snapshots

    /** Uploads the database as of the last copied commit, as the snapshot of the current index. */
    private void snapshot() throws IOException {
        int pageSize;
        int pages;
        Map<Integer, Long> latest = new HashMap<>();
        RandomAccessFile dbf = dbFile;
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
                up.complete();
            }
        }
        state.needSnapshot = false;
        state.changedSinceSnapshot = false;
        state.lastSnapshotAt = Instant.now();
        stats.lastSnapshotAt = state.lastSnapshotAt;
        stats.snapshots.incrementAndGet();
        LOG.infof("sqlite %s: snapshot of generation %s index %08x (%d pages)", name, state.generation, state.index, pages);
    }

    // ---------------------------------------------------------------- checkpoints

    private void maybeCheckpoint() throws IOException, SQLException {
        if (state.header == null) {
            return;
        }
        long frames = (state.copied - Wal.HEADER_SIZE) / state.header.frameSize();
        long walSize = Files.exists(walPath) ? Files.size(walPath) : 0;
        FileTime changed = walSize > 0 ? Files.getLastModifiedTime(walPath) : null;
        boolean quiet = !state.copiedThisSync && changed != null && changed.equals(lastWalChange);
        lastWalChange = changed;
        // TRUNCATE lets the app's writers in between our last copy and the checkpoint, and a transaction that slips
        // in there starts a new generation (with a full snapshot). So it waits for a WAL nobody wrote to for a whole
        // sync interval; while the app keeps writing, PASSIVE checkpoints keep the WAL restarting at its start.
        boolean truncate = walSize >= settings.truncateWalBytes() && quiet;
        // Nothing new since the last checkpoint of this life (an app gone quiet that has not restarted the WAL yet):
        // doing it again would only hold the app's writers once a second for nothing.
        boolean passive = frames >= settings.checkpointPages() && state.copied != state.checkpointedThrough;
        if (!truncate && !passive) {
            return;
        }
        try {
            if (truncate) {
                checkpointTruncate();
            } else {
                checkpointPassive();
            }
            stats.checkpoints.incrementAndGet();
        } catch (SQLException e) {
            stats.checkpointErrors.incrementAndGet();
            throw e;
        }
    }

    /**
     * PASSIVE with the app's writers held out, so that the WAL can restart: the bulk of the new frames is copied and
     * checkpointed before (see {@link #checkpointUnheld}), the few committed meanwhile under the hold; then with nothing
     * new to wait for, the checkpoint copies every frame into the database, and the read transaction begun right after
     * sees a fully checkpointed WAL. Such a read lets the app restart the WAL once (its next life starting after
     * everything Lifeboat copied) but keeps it from checkpointing that next life. Without the hold, a busy app never
     * finds the WAL fully checkpointed and never restarts it, and the WAL grows without bound. When the app holds its
     * write lock for longer than {@link #LOCK_TIMEOUT}, the checkpoint waits for the next sync.
     */
    private void checkpointPassive() throws IOException, SQLException {
        checkpointUnheld();
        try {
            lockWriters();
        } catch (SQLException busy) {
            LOG.debugf("sqlite %s: checkpoint postponed, the app held its write lock: %s", name, busy.getMessage());
            return;
        }
        long heldAt = System.nanoTime();
        boolean restarted = false;
        try {
            Wal.Header now = readWalHeader();
            if (now == null || !now.sameAs(state.header)) {
                // The WAL restarted in a moment checkpointUnheld was without a read: decided as follow() does.
                restarted = true;
                adoptChangedWal(now);
                endRead();
                anchorRead();
            } else {
                copyFrames();
                endRead();
                for (int attempt = 0; attempt < 3 && !checkpointedFully(reader); attempt++) {
                    // The app's own checkpoint, started after its last commit, holds the checkpoint lock: it is
                    // finishing the same work.
                    LockSupport.parkNanos(200_000);
                }
                anchorRead();
                state.checkpointedThrough = state.copied;
            }
        } finally {
            unlockWriters();
            stats.lastWriterHoldNanos = System.nanoTime() - heldAt;
        }
        if (restarted) {
            if (state.needSnapshot) {
                snapshot();
            }
        } else {
            awaitRestart();
        }
    }

    /**
     * Checkpoints what is already copied without holding anyone, in rounds: copy, move the read to the WAL's end, copy
     * again (everything up to the new read is committed, so it is all copied now), checkpoint up to the read. A round
     * lasts as long as the app's writes since the previous one take to checkpoint, so the rounds shrink, and the
     * checkpoint under the hold is left with the last few milliseconds' frames instead of a whole sync interval's (it
     * used to hold the app out for 100-250 ms under a busy writer, and SQLite's busy handler, sleeping 1, 2, 5, 10, 15,
     * 20, 25... ms between tries, made the app wait longer still).
     * <p>
     * Moving the read leaves a moment without one, in which a fully checkpointed WAL could restart. While Lifeboat
     * holds the checkpointer lock only its own checkpoints run, and they never pass what it has copied, so nothing
     * uncopied could be lost then; the rounds run only while the lock is held. Safety does not rest on that: the
     * held step compares the WAL's header before it trusts the copy to be complete.
     */
    private void checkpointUnheld() throws IOException, SQLException {
        for (int round = 0; round < UNHELD_ROUNDS; round++) {
            if (lockedOutDespiteLock >= LOCKED_OUT_LIMIT || !checkpointer.acquire()) {
                // Another checkpointer is about: the read stays where it is, and so does this checkpoint.
                checkpoint(locker);
                return;
            }
            copyFrames();
            repin();
            Wal.Header now = readWalHeader();
            if (now == null || !now.sameAs(state.header)) {
                return; // restarted: for the held step to sort out
            }
            copyFrames();
            long started = System.nanoTime();
            if (checkpoint(locker) == Checkpoint.LOCKED_OUT) {
                if (++lockedOutDespiteLock == LOCKED_OUT_LIMIT) {
                    LOG.infof("sqlite %s: another connection checkpoints although Lifeboat holds the checkpointer lock (one in this "
                            + "process?); Lifeboat's checkpoints keep their read where it is from now on", name);
                }
                return;
            }
            if (System.nanoTime() - started < UNHELD_ENOUGH.toNanos()) {
                return;
            }
        }
    }

    /**
     * Waits briefly for the app's next transaction to restart the fully checkpointed WAL, then follows it (which
     * moves our read onto the new life). An app that does not write meanwhile is followed at the next sync.
     */
    private void awaitRestart() throws IOException, SQLException {
        long deadline = System.nanoTime() + RESTART_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Wal.Header now = readWalHeader();
            if (now != null && !now.sameAs(state.header)) {
                follow();
                return;
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /**
     * Moves the read transaction off a fully checkpointed WAL once the app has restarted it. Such a read keeps the app
     * from checkpointing, yet every commit past the autocheckpoint threshold still makes SQLite prepare a checkpoint
     * of the whole new life before finding it cannot run: work that grows with the WAL, on the app's thread. A read
     * of the new life stops its checkpoints at our read mark instead, where there is nothing left to prepare. The
     * new read is not anchored: a restart in the moment between the two reads shows as a WAL that is not the
     * current life at the next sync, and is analysed with the writers held out.
     */
    private void repin() throws SQLException {
        endRead();
        beginRead();
    }

    /**
     * Runs one PASSIVE checkpoint on {@code c} (outside a transaction); true when it copied every frame of the WAL into
     * the database. Then takes the checkpointer lock again: SQLite's unlock at the end of the checkpoint dropped it.
     */
    private boolean checkpointedFully(Connection c) throws SQLException, IOException {
        return checkpoint(c) == Checkpoint.COMPLETE;
    }

    /** What a PASSIVE checkpoint did: every frame, some (readers in the way), or nothing (it could not start: -1, -1). */
    private enum Checkpoint { COMPLETE, PARTIAL, LOCKED_OUT }

    private Checkpoint checkpoint(Connection c) throws SQLException, IOException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            rs.next();
            if (rs.getLong(2) < 0) {
                return Checkpoint.LOCKED_OUT;
            }
            return rs.getInt(1) == 0 && rs.getLong(2) == rs.getLong(3) ? Checkpoint.COMPLETE : Checkpoint.PARTIAL;
        } finally {
            checkpointer.reacquire();
        }
    }

    /**
     * TRUNCATE needs the write lock itself, so writers are let in between the last copy and the checkpoint. Whether
     * one did is told by {@code PRAGMA data_version}, which changes when another connection commits: unchanged, the
     * truncated life ended exactly where we stopped copying; changed, only a still intact tail can prove nothing was
     * lost, else a new generation starts. (Attempted only when the WAL was quiet for a sync interval, see above.)
     */
    private void checkpointTruncate() throws IOException, SQLException {
        long versionAtCopy;
        lockWriters();
        try {
            copyFrames();
            endRead();
            versionAtCopy = dataVersion();
        } finally {
            unlockWriters();
        }
        try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            rs.next();
        } finally {
            checkpointer.reacquire();
        }
        boolean untouched = dataVersion() == versionAtCopy;
        lockWriters();
        try {
            Wal.Header now = readWalHeader();
            if (now != null && now.sameAs(state.header)) {
                copyFrames(); // busy: nothing was reset
            } else if (untouched || tailIntact(now)) {
                nextLife(now);
            } else {
                startGeneration("a transaction committed during a TRUNCATE checkpoint could not be copied");
            }
            anchorRead();
        } finally {
            unlockWriters();
        }
        if (state.needSnapshot) {
            snapshot();
        }
    }

    /** SQLite's count of commits by other connections, as seen by the reader connection (outside a transaction). */
    private long dataVersion() throws SQLException {
        try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---------------------------------------------------------------- retention

    /** Deletes what is older than the retention period, never the newest snapshot's chain nor the current generation's. */
    void enforceRetention() throws IOException {
        Instant cutoff = Instant.now().minus(settings.retention());
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

    /** Copies and ships what is left (the final sync of a graceful stop). Connections stay open unless {@code release}. */
    public void finalSync(boolean release) {
        sync();
        if (release) {
            closeConnections();
        }
    }

    @Override
    public void close() {
        closeConnections();
    }
}
