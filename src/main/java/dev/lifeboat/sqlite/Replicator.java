package dev.lifeboat.sqlite;

import dev.lifeboat.runtime.FailureLog;
import dev.lifeboat.store.ObjectStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

/**
 * Continuous replication of one SQLite database into a Litestream-0.3-layout replica. Not thread-safe: one thread at
 * a time calls {@link #sync()} every sync interval (the database's lane in {@link ReplicationService}, whose hand-over
 * from one pool thread to the next orders the calls).
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
 *
 * <h2>Parts</h2>
 * This class only runs a sync's steps in order. They share one {@link ReplicationState}: {@link DatabaseConnections}
 * (the read, the writers' hold, the checkpointer lock), {@link WalCopier} (frames into the shadow file, verified by a
 * {@link WalScanner}), {@link Continuity} (resume a generation or start the next life or a new generation),
 * {@link ReplicaUploads} (segments, snapshots, retention) and {@link Checkpoints} (when and how to checkpoint).
 */
public final class Replicator implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Replicator.class);

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
    private final Settings settings;
    private final ReplicaStats stats;
    /** A sync fails every sync interval while the destination is down: the first failure, then a line a minute. */
    private final FailureLog syncFailures;
    /** The database file's identity when the connections were opened: another one means the file was replaced. */
    private Object dbFileKey;
    /** Where copying, shipping and checkpointing stand (see the class comment). */
    private final ReplicationState state = new ReplicationState();
    private final DatabaseConnections link;
    private final Continuity continuity;
    private final ReplicaUploads uploads;
    private final Checkpoints checkpoints;
    private final ObjectStore store;
    private final ReplicaCodec codec;
    /** The last sync failed for lack of space on the volume: see {@link OutOfSpace}. */
    private boolean outOfSpace;
    /** Why a new generation was asked for (the audit found the replica damaged), until the next sync starts it. */
    private volatile String newGenerationRequest;

    public Replicator(String name, Path db, ObjectStore store, Settings settings) {
        this(name, db, store, settings, ReplicaCodec.PLAIN);
    }

    public Replicator(String name, Path db, ObjectStore store, Settings settings, ReplicaCodec codec) {
        this(name, db, store, settings, codec, new ReplicaStats());
    }

    /** With {@code stats} to count into (see {@link ReplicaStats#continuing}). */
    Replicator(String name, Path db, ObjectStore store, Settings settings, ReplicaCodec codec, ReplicaStats stats) {
        this.name = name;
        this.stats = stats;
        this.syncFailures = new FailureLog(LOG, "sqlite " + name + ": sync");
        this.db = db.toAbsolutePath();
        this.walPath = SqliteFiles.wal(this.db);
        this.settings = settings;
        this.store = store;
        this.codec = codec;
        ShadowWal shadow = new ShadowWal(this.db);
        WalCopier copier = new WalCopier(state, stats, shadow, walPath);
        this.link = new DatabaseConnections(name, this.db, shadow, state, copier);
        this.uploads = new ReplicaUploads(name, store, codec, settings.retention(), shadow, state, stats, link);
        this.continuity = new Continuity(name, store, codec, shadow, walPath, state, stats, copier, link);
        this.checkpoints = new Checkpoints(name, settings, walPath, state, stats, copier, link, continuity, uploads);
    }

    /**
     * Asks for a new generation, started by the next sync with a snapshot of everything committed so far: the repair
     * of a replica the audit found damaged (its snapshot or WAL gone from the destination).
     */
    public void startNewGeneration(String reason) {
        newGenerationRequest = reason;
    }

    ShippedLedger ledger() {
        return state.ledger;
    }

    ObjectStore store() {
        return store;
    }

    ReplicaCodec codec() {
        return codec;
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
            if (!state.copiedThisSync) {
                state.releaseBatch(); // an idle database holds no read buffer between syncs
            }
            stats.syncs.incrementAndGet();
            stats.lastSyncAt = Instant.now();
            syncFailures.succeeded();
            outOfSpace = false;
        } catch (IOException | SQLException | RuntimeException | Error e) {
            // Errors too (an OutOfMemoryError): one escaping the scheduled task would silently end replication.
            stats.syncErrors.incrementAndGet();
            stats.lastError = e.getMessage();
            stats.lastErrorAt = Instant.now();
            syncFailures.failed(e.toString());
            outOfSpace = OutOfSpace.causedBy(e);
            if (e instanceof SQLException || e instanceof Error || outOfSpace) {
                link.close(); // start over from the shadow and the replica on the next sync
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
        if (link.isOpen() && key != null && !key.equals(dbFileKey)) {
            LOG.warnf("sqlite %s: database file %s was replaced; starting a new generation", name, db);
            link.close();
            state.generation = null;
        }
        if (!link.isOpen()) {
            if (outOfSpace) {
                OutOfSpace.requireRoomToCopy(db, walPath);
            }
            link.open();
            dbFileKey = key;
            try {
                long generationsBefore = stats.generations.get();
                continuity.recover();
                if (stats.generations.get() != generationsBefore) {
                    newGenerationRequest = null; // recovering started one already
                }
            } catch (IOException | SQLException | RuntimeException e) {
                // Half-recovered state must never be synced from: the next sync starts over from the shadow and the
                // replica (a sync that carried on here shipped later WAL into the old generation, leaving a gap).
                link.close();
                throw e;
            }
        } else {
            continuity.follow();
        }
        String repair = newGenerationRequest;
        if (repair != null) {
            // Also right after (re)opening: a replica taken over from another machine may hold a newer generation
            // than the one the shadow directory would resume.
            newGenerationRequest = null;
            continuity.restartGeneration(repair);
        }
        if (state.needSnapshot) {
            uploads.snapshot();
        }
        uploads.ship();
        checkpoints.maybeCheckpoint();
        if (state.changedSinceSnapshot && state.lastSnapshotAt != null
                && Duration.between(state.lastSnapshotAt, Instant.now()).compareTo(settings.snapshotInterval()) >= 0) {
            uploads.snapshot();
            uploads.ship();
            uploads.enforceRetention();
        }
        stats.walBytes = Files.exists(walPath) ? Files.size(walPath) : 0;
        stats.state = "replicating";
        link.checkpointer().acquire();
    }

    /** A snapshot taken on request: where it is in the replica. */
    public record SnapshotTaken(String generation, int index, String key, Instant takenAt) {
    }

    /**
     * Syncs, then takes a snapshot of everything committed so far (replacing the current index's) and ships what
     * follows it: asked for over the API. Must run in the sync lane, like {@link #sync()}; throws when the database
     * cannot be read or the upload fails (the next sync then starts over as after any failed sync).
     */
    public SnapshotTaken snapshotNow() throws IOException {
        try {
            syncOnce();
            if (state.generation == null || !link.isOpen()) {
                throw new IOException("sqlite " + name + ": nothing to snapshot yet (" + stats.state + ")");
            }
            uploads.snapshot();
            uploads.ship();
            stats.syncs.incrementAndGet();
            stats.lastSyncAt = Instant.now();
            syncFailures.succeeded();
            return new SnapshotTaken(state.generation, state.index, ReplicaLayout.snapshotKey(state.generation, state.index), state.lastSnapshotAt);
        } catch (SQLException e) {
            link.close(); // as after a failed sync: start over from the shadow and the replica on the next one
            throw new IOException("sqlite " + name + ": snapshot failed: " + e.getMessage(), e);
        }
    }

    /** Copies and ships what is left (the final sync of a graceful stop). Connections stay open unless {@code release}. */
    public void finalSync(boolean release) {
        sync();
        if (release) {
            link.close();
        }
    }

    @Override
    public void close() {
        link.close();
    }
}
