package dev.lifeboat.sqlite;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * When and how Lifeboat checkpoints (see "How frames are kept safe" in {@link Replicator}): PASSIVE once enough
 * frames of the current life are copied, in rounds that hold nobody and then one short hold of the app's writers so
 * that the WAL can restart; TRUNCATE to give the space back once a large WAL has been quiet for a sync interval.
 */
final class Checkpoints {
    /** Logs under the replicator's category, as before the replicator was split. */
    private static final Logger LOG = Logger.getLogger(Replicator.class);
    /** How long a checkpoint waits for a busy app to restart the WAL (it does at its next transaction). */
    private static final Duration RESTART_WAIT = Duration.ofMillis(20);
    /** At most this many checkpoint rounds without holding the app (see {@link #checkpointUnheld}). */
    private static final int UNHELD_ROUNDS = 4;
    /** A round shorter than this leaves little enough for the checkpoint under the hold. */
    private static final Duration UNHELD_ENOUGH = Duration.ofMillis(3);
    /** See {@link #lockedOutDespiteLock}; more than once, as a torn read of SQLite's WAL index also stops a checkpoint. */
    private static final int LOCKED_OUT_LIMIT = 3;

    private final String name;
    private final Replicator.Settings settings;
    private final Path walPath;
    private final ReplicationState state;
    private final ReplicaStats stats;
    private final WalCopier copier;
    private final DatabaseConnections link;
    private final Continuity continuity;
    private final ReplicaUploads uploads;
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

    Checkpoints(String name, Replicator.Settings settings, Path walPath, ReplicationState state, ReplicaStats stats, WalCopier copier,
                DatabaseConnections link, Continuity continuity, ReplicaUploads uploads) {
        this.name = name;
        this.settings = settings;
        this.walPath = walPath;
        this.state = state;
        this.stats = stats;
        this.copier = copier;
        this.link = link;
        this.continuity = continuity;
        this.uploads = uploads;
    }

    void maybeCheckpoint() throws IOException, SQLException {
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
     * write lock for longer than {@link DatabaseConnections#LOCK_TIMEOUT}, the checkpoint waits for the next sync.
     */
    private void checkpointPassive() throws IOException, SQLException {
        checkpointUnheld();
        try {
            link.lockWriters();
        } catch (SQLException busy) {
            LOG.debugf("sqlite %s: checkpoint postponed, the app held its write lock: %s", name, busy.getMessage());
            return;
        }
        long heldAt = System.nanoTime();
        boolean restarted = false;
        try {
            Wal.Header now = copier.readWalHeader();
            if (now == null || !now.sameAs(state.header)) {
                // The WAL restarted in a moment checkpointUnheld was without a read: decided as follow() does.
                restarted = true;
                continuity.adoptChangedWal(now);
                link.endRead();
                link.anchorRead();
            } else {
                copier.copyFrames();
                link.endRead();
                for (int attempt = 0; attempt < 3 && !checkpointedFully(link.reader()); attempt++) {
                    // The app's own checkpoint, started after its last commit, holds the checkpoint lock: it is
                    // finishing the same work.
                    LockSupport.parkNanos(200_000);
                }
                link.anchorRead();
                state.checkpointedThrough = state.copied;
            }
        } finally {
            link.unlockWriters();
            stats.lastWriterHoldNanos = System.nanoTime() - heldAt;
        }
        if (restarted) {
            if (state.needSnapshot) {
                uploads.snapshot();
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
            if (lockedOutDespiteLock >= LOCKED_OUT_LIMIT || !link.checkpointer().acquire()) {
                // Another checkpointer is about: the read stays where it is, and so does this checkpoint.
                checkpoint(link.locker());
                return;
            }
            copier.copyFrames();
            link.repin();
            Wal.Header now = copier.readWalHeader();
            if (now == null || !now.sameAs(state.header)) {
                return; // restarted: for the held step to sort out
            }
            copier.copyFrames();
            long started = System.nanoTime();
            if (checkpoint(link.locker()) == Checkpoint.LOCKED_OUT) {
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
            Wal.Header now = copier.readWalHeader();
            if (now != null && !now.sameAs(state.header)) {
                continuity.follow();
                return;
            }
            LockSupport.parkNanos(100_000);
        }
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
            link.checkpointer().reacquire();
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
        link.lockWriters();
        try {
            copier.copyFrames();
            link.endRead();
            versionAtCopy = dataVersion();
        } finally {
            link.unlockWriters();
        }
        try (Statement s = link.reader().createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            rs.next();
        } finally {
            link.checkpointer().reacquire();
        }
        boolean untouched = dataVersion() == versionAtCopy;
        link.lockWriters();
        try {
            Wal.Header now = copier.readWalHeader();
            if (now != null && now.sameAs(state.header)) {
                copier.copyFrames(); // busy: nothing was reset
            } else if (untouched || continuity.tailIntact(now)) {
                copier.nextLife(now);
            } else {
                continuity.startGeneration("a transaction committed during a TRUNCATE checkpoint could not be copied");
            }
            link.anchorRead();
        } finally {
            link.unlockWriters();
        }
        if (state.needSnapshot) {
            uploads.snapshot();
        }
    }

    /** SQLite's count of commits by other connections, as seen by the reader connection (outside a transaction). */
    private long dataVersion() throws SQLException {
        try (Statement s = link.reader().createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
