package dev.lifeboat.sqlite;

import dev.lifeboat.sqlite.ReplicaCatalog.Generation;
import dev.lifeboat.sqlite.ReplicaLayout.Segment;
import dev.lifeboat.sqlite.ReplicaLayout.Snapshot;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.Upload;
import org.jboss.logging.Logger;

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
    private Connection locker;
    // Snapshots read the database file through this one descriptor, opened with the connections and closed after
    // them: closing any descriptor of a file drops all of this process's POSIX locks on it, SQLite's included.
    private RandomAccessFile dbFile;
    private Object dbFileKey;

    // Copy side: the current WAL life, mirrored in shadow file `index`.
    private String generation;
    private int index;
    private Wal.Header header;          // null: waiting for the life that becomes `index`
    private long copied;                // valid length of shadow file `index`
    private int ck1;
    private int ck2;                    // checksum of the last copied frame (or of the header)
    private int lastCommitPages;        // database size after the last copied commit of this life, 0 if none
    private boolean complete;           // the life was fully copied when our read transaction began...
    private long completeAt;            // ...at this length
    private boolean needSnapshot;
    private boolean changedSinceSnapshot;
    private Instant lastSnapshotAt;

    // Ship side: what the replica holds of the current generation.
    private int shipIndex;
    private long shipOffset;

    private final ReplicaCodec codec;

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
        } catch (IOException | SQLException | RuntimeException e) {
            stats.syncErrors.incrementAndGet();
            stats.lastError = e.getMessage();
            stats.lastErrorAt = Instant.now();
            LOG.warnf("sqlite %s: sync failed: %s", name, e.toString());
            if (e instanceof SQLException) {
                closeConnections(); // start over from the shadow and the replica on the next sync
            }
        }
    }

    private void syncOnce() throws IOException, SQLException {
        if (!Files.exists(db) || Files.size(db) == 0) {
            stats.state = "waiting for the application to create " + db;
            return;
        }
        Object key = Files.readAttributes(db, BasicFileAttributes.class).fileKey();
        if (reader != null && key != null && !key.equals(dbFileKey)) {
            LOG.warnf("sqlite %s: database file %s was replaced; starting a new generation", name, db);
            closeConnections();
            generation = null;
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
        if (needSnapshot) {
            snapshot();
        }
        ship();
        maybeCheckpoint();
        if (changedSinceSnapshot && lastSnapshotAt != null
                && Duration.between(lastSnapshotAt, Instant.now()).compareTo(settings.snapshotInterval()) >= 0) {
            snapshot();
            ship();
            enforceRetention();
        }
        stats.walBytes = Files.exists(walPath) ? Files.size(walPath) : 0;
        stats.state = "replicating";
    }

    // ---------------------------------------------------------------- SQLite connections and locks

    private void open() throws SQLException, IOException {
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
        complete = false;
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
        complete = false;
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
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000);
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
        copyFrames(true);
        beginRead();
        complete = true;
        completeAt = copied;
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
        byte[] lastShipped = null;
        if (!remote.segments().isEmpty()) {
            Segment last = remote.segments().getLast();
            if (last.index() >= rIndex) {
                if (codec.encrypts() && codec.identities().isEmpty()) {
                    return "the replica is encrypted and no identity-files are configured to read where it ends";
                }
                try (InputStream in = codec.decode(store.get(ReplicaLayout.segmentKey(g, last.index(), last.offset())))) {
                    lastShipped = in.readAllBytes();
                }
                rIndex = last.index();
                rEnd = last.offset() + lastShipped.length;
            }
        }
        int current = local.getLast();
        generation = g;
        index = current;
        try {
            loadShadow(current);
        } catch (IOException unreadable) {
            // e.g. killed between creating the next index's shadow file and writing its header
            return unreadable.getMessage();
        }
        if (local.contains(rIndex)) {
            long size = rIndex == current ? copied : shadow.size(g, rIndex);
            if (size < rEnd) {
                return "replica holds more of WAL index " + rIndex + " than the shadow WAL";
            }
            if (lastShipped != null && lastShipped.length >= Wal.FRAME_HEADER_SIZE) {
                int n = Math.min(lastShipped.length, 4096 + Wal.FRAME_HEADER_SIZE);
                byte[] mine = shadow.read(g, rIndex, rEnd - n, n);
                if (!Arrays.equals(mine, Arrays.copyOfRange(lastShipped, lastShipped.length - n, lastShipped.length))) {
                    return "replica and shadow WAL disagree at index " + rIndex;
                }
            }
            shipIndex = rIndex;
            shipOffset = rEnd;
        } else if (local.getFirst() == rIndex + 1) {
            shipIndex = rIndex + 1; // rIndex was shipped whole before its shadow file was deleted
            shipOffset = 0;
        } else {
            return "shadow WAL and replica do not meet (replica at index " + rIndex + ", shadow from " + local.getFirst() + ")";
        }
        lastSnapshotAt = newestSnap.createdAt();
        Wal.Header now = readWalHeader();
        if (now != null && now.sameAs(header)) {
            if (copied > Wal.HEADER_SIZE) {
                int fs = header.frameSize();
                byte[] a = shadow.read(g, index, copied - fs, fs);
                byte[] b = readWal(copied - fs, fs);
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
        LOG.infof("sqlite %s: continuing generation %s at index %08x offset %d", name, g, index, copied);
        return null;
    }

    /** Loads shadow file {@code i} as the current life: header, valid length (a torn tail is cut), last checksum. */
    private void loadShadow(int i) throws IOException {
        long size = shadow.size(generation, i);
        byte[] head = size >= Wal.HEADER_SIZE ? shadow.read(generation, i, 0, Wal.HEADER_SIZE) : null;
        header = Wal.parseHeader(head);
        if (header == null) {
            throw new IOException("shadow WAL " + shadow.file(generation, i) + " has no valid header");
        }
        ck1 = header.checksum1();
        ck2 = header.checksum2();
        copied = Wal.HEADER_SIZE;
        lastCommitPages = 0;
        int fs = header.frameSize();
        int c1 = ck1;
        int c2 = ck2;
        try (RandomAccessFile f = new RandomAccessFile(shadow.file(generation, i).toFile(), "r")) {
            byte[] frame = new byte[fs];
            for (long off = Wal.HEADER_SIZE; off + fs <= size; off += fs) {
                f.seek(off);
                f.readFully(frame);
                int[] sum = Wal.verifyFrame(header, c1, c2, frame);
                if (sum == null) {
                    break;
                }
                c1 = sum[0];
                c2 = sum[1];
                if (Wal.commitSize(frame) != 0) {
                    copied = off + fs;
                    ck1 = c1;
                    ck2 = c2;
                    lastCommitPages = Wal.commitSize(frame);
                }
            }
        }
        if (copied < size) {
            shadow.truncate(generation, i, copied);
        }
    }

    /**
     * With writers held out: true when the WAL, whose header is now {@code now}, was restarted exactly once after
     * the current life and every frame the old life had beyond what was copied is still readable (and is copied
     * into the shadow now). False when frames may have been lost.
     */
    private boolean tailIntact(Wal.Header now) throws IOException {
        if (header == null) {
            return now != null; // waiting for a life: nothing of the previous one is outstanding
        }
        if (now == null || now.salt1() != header.salt1() + 1 || now.pageSize() != header.pageSize()) {
            return false;
        }
        int fs = header.frameSize();
        long walSize = Files.size(walPath);
        long fileFrames = (walSize - Wal.HEADER_SIZE) / fs;
        long newLifeEnd = 0; // highest frame position written by the new life (its salts)
        byte[] fh = new byte[Wal.FRAME_HEADER_SIZE];
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            for (long n = 1; n <= fileFrames; n++) {
                ByteBuffer buf = ByteBuffer.wrap(fh);
                ch.read(buf, now.frameOffset(n));
                if (now.saltsMatch(fh, 0)) {
                    newLifeEnd = n;
                }
            }
        }
        long firstUncopied = (copied - Wal.HEADER_SIZE) / fs + 1;
        // Read the old life's frames after the copied ones, as long as they continue its chain.
        List<byte[]> tail = new ArrayList<>();
        int c1 = ck1;
        int c2 = ck2;
        long n = firstUncopied;
        long committedThrough = firstUncopied - 1;
        for (; n <= fileFrames; n++) {
            byte[] frame = readWal(header.frameOffset(n), fs);
            int[] sum = frame == null ? null : Wal.verifyFrame(header, c1, c2, frame);
            if (sum == null) {
                break;
            }
            c1 = sum[0];
            c2 = sum[1];
            tail.add(frame);
            if (Wal.commitSize(frame) != 0) {
                committedThrough = n;
            }
        }
        // Proof that the old life ended: a frame that is physically there, breaks its chain and was not written by
        // the new life. Running into the end of the file proves nothing: TRUNCATE (or journal_size_limit) may have
        // cut the old life's last frames away.
        boolean intact = n <= fileFrames && n > newLifeEnd;
        if (!intact) {
            return false;
        }
        for (byte[] frame : tail.subList(0, (int) (committedThrough - firstUncopied + 1))) {
            appendCopied(frame, frame.length, true);
        }
        return true;
    }

    /** Starts the next WAL index for a new life of the WAL (or waits for one when {@code h} is null). */
    private void nextLife(Wal.Header h) throws IOException {
        if (header != null) {
            index++;
        }
        header = null;
        lastCommitPages = 0;
        if (h != null) {
            startLife(h);
        }
    }

    private void startLife(Wal.Header h) throws IOException {
        header = h;
        shadow.create(generation, index, h);
        copied = Wal.HEADER_SIZE;
        ck1 = h.checksum1();
        ck2 = h.checksum2();
        lastCommitPages = 0;
        stats.index = index;
    }

    /** Starts a new generation from the current state (writers must be held out); its snapshot is taken next. */
    private void startGeneration(String reason) throws IOException, SQLException {
        String g = ReplicaLayout.newGeneration();
        LOG.infof("sqlite %s: starting generation %s: %s", name, g, reason);
        shadow.setGeneration(g);
        generation = g;
        index = 0;
        header = null;
        lastCommitPages = 0;
        Wal.Header h = readWalHeader();
        if (h != null) {
            startLife(h);
        }
        shipIndex = 0;
        shipOffset = 0;
        needSnapshot = true;
        stats.generation = g;
        stats.index = 0;
        stats.generations.incrementAndGet();
    }

    /** Steady state: follows the WAL while holding the read transaction. */
    private void follow() throws IOException, SQLException {
        Wal.Header now = readWalHeader();
        if (header == null ? now == null : now != null && now.sameAs(header)) {
            copyFrames(false);
            return;
        }
        if (header == null || (complete && copied == completeAt && now != null && now.salt1() == header.salt1() + 1)) {
            nextLife(now);
            copyFrames(false);
            return;
        }
        // Unexpected change: decide with writers held out.
        lockWriters();
        try {
            now = readWalHeader();
            if (now != null && now.sameAs(header)) {
                copyFrames(true);
            } else if (tailIntact(now)) {
                nextLife(now);
            } else {
                startGeneration(now == null ? "WAL was reset by another process" : "WAL was restarted by another process");
            }
            endRead();
            anchorRead();
        } finally {
            unlockWriters();
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

    /** Copies the committed frames that follow {@code copied} in the current life into the shadow file. */
    private void copyFrames(boolean durable) throws IOException {
        if (header == null) {
            Wal.Header h = readWalHeader();
            if (h == null) {
                return;
            }
            startLife(h);
        }
        if (!Files.exists(walPath)) {
            return;
        }
        int fs = header.frameSize();
        int batchFrames = Math.max(1, (4 << 20) / fs);
        byte[] buf = new byte[batchFrames * fs];
        byte[] frame = new byte[fs];
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            long walSize = ch.size();
            int c1 = ck1;
            int c2 = ck2;
            long pos = copied;
            while (pos + fs <= walSize) {
                int n = (int) Math.min(batchFrames, (walSize - pos) / fs);
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n * fs);
                while (bb.hasRemaining() && ch.read(bb, pos + bb.position()) >= 0) {
                    // fill
                }
                int valid = 0;
                int committed = 0;
                int cc1 = c1;
                int cc2 = c2;
                int commitPages = 0;
                for (int i = 0; i < n; i++) {
                    System.arraycopy(buf, i * fs, frame, 0, fs);
                    int[] sum = Wal.verifyFrame(header, cc1, cc2, frame);
                    if (sum == null) {
                        break;
                    }
                    cc1 = sum[0];
                    cc2 = sum[1];
                    valid = i + 1;
                    if (Wal.commitSize(frame) != 0) {
                        committed = valid;
                        commitPages = Wal.commitSize(frame);
                        c1 = cc1;
                        c2 = cc2;
                    }
                }
                if (committed > 0) {
                    ck1 = c1;
                    ck2 = c2;
                    lastCommitPages = commitPages;
                    appendCopied(buf, committed * fs, durable);
                    pos = copied;
                }
                if (committed < n) {
                    // A transaction still being written (or spanning batches): retry it from its start next time,
                    // unless it simply continues past this batch.
                    if (valid < n || committed == 0 && n < batchFrames) {
                        break;
                    }
                    if (committed == 0) {
                        batchFrames *= 2; // one transaction larger than the batch: read more at once
                        buf = new byte[batchFrames * fs];
                    }
                }
            }
        }
    }

    private void appendCopied(byte[] bytes, int len, boolean durable) throws IOException {
        shadow.append(generation, index, copied, bytes, len, durable);
        copied += len;
        changedSinceSnapshot = true;
        if (stats.unshippedSince == null) {
            stats.unshippedSince = Instant.now();
        }
    }

    // ---------------------------------------------------------------- shipping

    /** Uploads every copied byte not yet in the replica, one segment per WAL index. */
    private void ship() throws IOException {
        if (needSnapshot || generation == null) {
            return;
        }
        while (true) {
            long size = shipIndex == index ? (header == null ? -1 : copied) : shadow.size(generation, shipIndex);
            if (size > shipOffset) {
                String key = ReplicaLayout.segmentKey(generation, shipIndex, shipOffset);
                try (Upload up = store.beginUpload(key); OutputStream lz = codec.encode(new NonClosing(up))) {
                    copyShadow(shipIndex, shipOffset, size, lz);
                    lz.close();
                    up.complete();
                }
                stats.segments.incrementAndGet();
                stats.shippedBytes.addAndGet(size - shipOffset);
                stats.lastShipAt = Instant.now();
                shipOffset = size;
            }
            if (shipIndex < index && shadow.size(generation, shipIndex + 1) >= 0) {
                shadow.delete(generation, shipIndex);
                shipIndex++;
                shipOffset = 0;
                continue;
            }
            break;
        }
        stats.offset = shipOffset;
        stats.index = shipIndex;
        if (shipIndex == index && (header == null || shipOffset == copied)) {
            stats.unshippedSince = null;
        }
    }

    private void copyShadow(int i, long from, long to, OutputStream out) throws IOException {
        try (FileChannel ch = FileChannel.open(shadow.file(generation, i), StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long pos = from;
            while (pos < to) {
                buf.clear().limit((int) Math.min(buf.capacity(), to - pos));
                int r = ch.read(buf, pos);
                if (r < 0) {
                    throw new IOException("shadow WAL " + shadow.file(generation, i) + " is shorter than expected");
                }
                out.write(buf.array(), 0, r);
                pos += r;
            }
        }
    }

    /** Lets the LZ4 stream finish its frame without closing (and so aborting) the upload underneath. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
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
            pageSize = header != null ? header.pageSize() : (ps == 1 ? 65536 : ps);
            // The last copied commit of the current life says how large the database is; without one, the
            // database file's header does (when its version-valid-for matches the change counter).
            pages = header != null ? lastCommitPages : 0;
            if (pages == 0) {
                int inHeader = Wal.be32(dbHeader, 28);
                boolean valid = inHeader > 0 && Wal.be32(dbHeader, 24) == Wal.be32(dbHeader, 92);
                pages = valid ? inHeader : (int) (dbf.length() / pageSize);
            }
            if (header != null) {
                int fs = header.frameSize();
                byte[] fh = new byte[Wal.FRAME_HEADER_SIZE];
                try (RandomAccessFile sf = new RandomAccessFile(shadow.file(generation, index).toFile(), "r")) {
                    for (long off = Wal.HEADER_SIZE; off + fs <= copied; off += fs) {
                        sf.seek(off);
                        sf.readFully(fh);
                        latest.put(Wal.pageNumber(fh), off + Wal.FRAME_HEADER_SIZE);
                    }
                }
            }
            String key = ReplicaLayout.snapshotKey(generation, index);
            byte[] page = new byte[pageSize];
            try (RandomAccessFile sf = header == null ? null : new RandomAccessFile(shadow.file(generation, index).toFile(), "r");
                 Upload up = store.beginUpload(key); OutputStream lz = codec.encode(new NonClosing(up))) {
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
        needSnapshot = false;
        changedSinceSnapshot = false;
        lastSnapshotAt = Instant.now();
        stats.lastSnapshotAt = lastSnapshotAt;
        stats.snapshots.incrementAndGet();
        LOG.infof("sqlite %s: snapshot of generation %s index %08x (%d pages)", name, generation, index, pages);
    }

    // ---------------------------------------------------------------- checkpoints

    private void maybeCheckpoint() throws IOException, SQLException {
        if (header == null) {
            return;
        }
        long frames = (copied - Wal.HEADER_SIZE) / header.frameSize();
        long walSize = Files.exists(walPath) ? Files.size(walPath) : 0;
        boolean truncate = walSize >= settings.truncateWalBytes();
        if (!truncate && frames < settings.checkpointPages()) {
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
     * PASSIVE without holding the app's writers: the checkpoint may let the app restart the WAL right after it, so
     * the writers are held only afterwards, long enough to copy what is left of the old life (still intact past the
     * few frames the new life has written, which {@link #tailIntact} proves) and to take the read transaction back.
     */
    private void checkpointPassive() throws IOException, SQLException {
        copyFrames(true);
        endRead();
        try {
            try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                rs.next();
            }
        } finally {
            reanchor("the WAL was restarted twice during a checkpoint");
        }
    }

    /** After a checkpoint without our read transaction: continue the current life, or the next one, or a new generation. */
    private void reanchor(String reasonIfLost) throws IOException, SQLException {
        try {
            lockWriters();
        } catch (SQLException busy) {
            beginRead(); // not proven complete: a later WAL change is analysed instead of trusted
            return;
        }
        try {
            Wal.Header now = readWalHeader();
            if (now != null && now.sameAs(header)) {
                copyFrames(true);
            } else if (tailIntact(now)) {
                nextLife(now);
            } else {
                startGeneration(reasonIfLost);
            }
            anchorRead();
        } finally {
            unlockWriters();
        }
        if (needSnapshot) {
            snapshot();
        }
    }

    /**
     * TRUNCATE needs the write lock itself, so writers are let in between the last copy and the checkpoint; if a
     * transaction slipped in, the checkpoint's frame count shows it and a new generation starts.
     */
    private void checkpointTruncate() throws IOException, SQLException {
        copyFrames(true);
        long framesCopied = (copied - Wal.HEADER_SIZE) / header.frameSize();
        endRead();
        int busy;
        long logFrames;
        try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            rs.next();
            busy = rs.getInt(1);
            logFrames = rs.getLong(2);
        }
        lockWriters();
        try {
            Wal.Header now = readWalHeader();
            if (now != null && now.sameAs(header)) {
                copyFrames(true); // busy: nothing was reset
            } else if (busy == 0 && logFrames == framesCopied) {
                nextLife(now); // the life ended exactly where we stopped copying
            } else if (tailIntact(now)) {
                nextLife(now);
            } else {
                startGeneration("a transaction committed during a TRUNCATE checkpoint could not be copied");
            }
            anchorRead();
        } finally {
            unlockWriters();
        }
        if (needSnapshot) {
            snapshot();
        }
    }

    // ---------------------------------------------------------------- retention

    /** Deletes what is older than the retention period, never the newest snapshot's chain nor the current generation's. */
    void enforceRetention() throws IOException {
        Instant cutoff = Instant.now().minus(settings.retention());
        ReplicaCatalog catalog = ReplicaCatalog.load(store);
        List<String> doomed = new ArrayList<>();
        for (Generation g : catalog.generations().values()) {
            if (g.name().equals(generation)) {
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
