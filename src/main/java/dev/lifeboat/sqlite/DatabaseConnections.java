package dev.lifeboat.sqlite;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The replicator's hold on the database: the connection whose read transaction keeps the WAL's frames from vanishing
 * before they are copied, the connection that holds the app's writers out (BEGIN IMMEDIATE), SQLite's checkpointer
 * lock, and the descriptor snapshots read the database file through. See {@link Replicator} for why each exists.
 */
final class DatabaseConnections {
    /** Logs under the replicator's category, as before the replicator was split. */
    private static final Logger LOG = Logger.getLogger(Replicator.class);
    /** Longest Lifeboat waits to hold the app's writers out; past it the step is retried at the next sync. */
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final Path db;
    private final ShadowWal shadow;
    private final ReplicationState state;
    private final WalCopier copier;
    private Connection reader;
    /** Whether this replicator has opened the database once (see {@link ShadowWal#createRoot}). */
    private boolean started;
    private Connection locker;
    /** Keeps the app's futile checkpoint attempts short between Lifeboat's own checkpoints (see {@link Replicator}). */
    private final CheckpointerLock checkpointer;
    // Snapshots read the database file through this one descriptor, opened with the connections and closed after
    // them: closing any descriptor of a file drops all of this process's POSIX locks on it, SQLite's included.
    private RandomAccessFile dbFile;

    DatabaseConnections(String name, Path db, ShadowWal shadow, ReplicationState state, WalCopier copier) {
        this.name = name;
        this.db = db;
        this.shadow = shadow;
        this.state = state;
        this.copier = copier;
        this.checkpointer = new CheckpointerLock(db);
    }

    boolean isOpen() {
        return reader != null;
    }

    /** The connection that holds the long-lived read (outside it: the one Lifeboat checkpoints TRUNCATE with). */
    Connection reader() {
        return reader;
    }

    /** The connection that holds the writers out, and runs Lifeboat's PASSIVE checkpoints. */
    Connection locker() {
        return locker;
    }

    CheckpointerLock checkpointer() {
        return checkpointer;
    }

    /** The database file, read-only, for snapshots. */
    RandomAccessFile dbFile() {
        return dbFile;
    }

    void open() throws SQLException, IOException {
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

    void close() {
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

    void endRead() throws SQLException {
        if (!reader.getAutoCommit()) {
            reader.rollback();
            reader.setAutoCommit(true);
        }
        state.complete = false;
    }

    /** Holds every writer of the database out (BEGIN IMMEDIATE); SQLException when the app holds the write lock too long. */
    void lockWriters() throws SQLException {
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

    void unlockWriters() {
        try (Statement s = locker.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException e) {
            LOG.debugf("sqlite %s: rollback of the writer lock: %s", name, e.getMessage());
        }
    }

    /** Begins the long-lived read while writers are held out, so the current life is known to be fully copied. */
    void anchorRead() throws SQLException, IOException {
        copier.copyFrames();
        beginRead();
        state.complete = true;
        state.completeAt = state.copied;
    }

    /**
     * Moves the read transaction off a fully checkpointed WAL once the app has restarted it. Such a read keeps the app
     * from checkpointing, yet every commit past the autocheckpoint threshold still makes SQLite prepare a checkpoint
     * of the whole new life before finding it cannot run: work that grows with the WAL, on the app's thread. A read
     * of the new life stops its checkpoints at our read mark instead, where there is nothing left to prepare. The
     * new read is not anchored: a restart in the moment between the two reads shows as a WAL that is not the
     * current life at the next sync, and is analysed with the writers held out.
     */
    void repin() throws SQLException {
        endRead();
        beginRead();
    }
}
