package dev.lifeboat.pitr;

import dev.lifeboat.stream.Compression;

import java.time.Instant;

/**
 * One archived WAL object as its key describes it ({@link PitrLayout}).
 *
 * @param key          the key under the database's folder
 * @param fileName     the PostgreSQL file name it serves: a 24-hex segment name or {@code TTTTTTTT.history}
 * @param kind         complete segment, partial segment or history file
 * @param timeline     the timeline of its directory (and of its name)
 * @param partialEnd   for a partial: how many bytes of the segment it holds; -1 otherwise
 * @param storedSha256 SHA-256 (hex) of the stored bytes, checked before any byte is decoded
 * @param storedSize   size in the store
 */
public record WalObject(String key, String fileName, Kind kind, int timeline, int partialEnd, String storedSha256,
                        Compression compression, boolean encrypted, long storedSize, Instant lastModified) {
    public enum Kind { SEGMENT, PARTIAL, HISTORY }

    public boolean isSegment() {
        return kind == Kind.SEGMENT;
    }

    public boolean isPartial() {
        return kind == Kind.PARTIAL;
    }

    public boolean isHistory() {
        return kind == Kind.HISTORY;
    }

    /** Where the WAL this object holds ends: the end of the segment, or start + {@link #partialEnd} for a partial. */
    public Lsn end(long segmentSize) {
        Lsn start = WalFileName.segmentStart(fileName, segmentSize);
        return isPartial() ? start.plus(partialEnd) : start.plus(segmentSize);
    }
}
