package dev.lifeboat.sqlite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * What replication does when the database's volume is full. The shadow WAL lives on that volume, so copying frames
 * fails there first. Lifeboat must then not make the app's commits fail: its read transaction would keep SQLite
 * from restarting the WAL in place, the app's WAL would have to grow into the full volume and the app's commits would
 * fail with SQLITE_FULL. So a sync that fails for lack of space lets go of the database (read transaction and
 * locks), and the next syncs do not take it again until there is room to copy the WAL; the frames the app
 * checkpoints away meanwhile are not in the replica, so shipping resumes with a new generation (a full snapshot).
 */
final class OutOfSpace {
    /** Room beyond the WAL's own size that a sync needs on the volume (shadow file headers, state files). */
    static final long MARGIN = 1L << 20;

    private OutOfSpace() {
    }

    /** True when {@code e} (or a cause) says the filesystem is full or over quota (ENOSPC, EDQUOT, SQLITE_FULL). */
    static boolean causedBy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("No space left on device") || message.contains("Disk quota exceeded")
                    || (t instanceof SQLException sql && sql.getErrorCode() == 13)) { // 13: SQLITE_FULL
                return true;
            }
        }
        return false;
    }

    /**
     * Throws unless the volume of {@code db} has room to copy its whole WAL, so that a sync after a full volume does
     * not take the database's read transaction only to fail again.
     */
    static void requireRoomToCopy(Path db, Path wal) throws IOException {
        long needed = (Files.exists(wal) ? Files.size(wal) : 0) + MARGIN;
        long free = Files.getFileStore(db).getUsableSpace();
        if (free < needed) {
            throw new IOException("No space left on device: " + free + " bytes free on the volume of " + db + ", copying its WAL needs about "
                    + needed + "; replication waits for space and holds nothing on the database meanwhile (the app keeps writing)");
        }
    }
}
