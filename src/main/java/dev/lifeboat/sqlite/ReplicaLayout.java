package dev.lifeboat.sqlite;

import dev.lifeboat.store.ObjectInfo;

import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Object keys of a replica in Litestream 0.3's layout, relative to the database's folder in the destination:
 * <pre>
 * generations/&lt;16 hex&gt;/snapshots/&lt;index, 8 hex&gt;.snapshot.lz4      whole database file, LZ4 frame
 * generations/&lt;16 hex&gt;/wal/&lt;index, 8 hex&gt;_&lt;offset, 8 hex&gt;.wal.lz4  WAL bytes [offset, ...) of WAL index
 * </pre>
 * A generation is an unbroken history; within it, WAL index {@code n} is one life of the SQLite WAL (header and
 * frames), split into segments at the byte offsets they start at. Times come from the store's modification times,
 * as Litestream's do: retention and point-in-time restore order objects by them.
 */
public final class ReplicaLayout {
    public static final String GENERATIONS = "generations/";
    private static final Pattern SNAPSHOT = Pattern.compile("generations/([0-9a-f]{16})/snapshots/([0-9a-f]{8})\\.snapshot\\.lz4");
    private static final Pattern SEGMENT = Pattern.compile("generations/([0-9a-f]{16})/wal/([0-9a-f]{8})_([0-9a-f]{8})\\.wal\\.lz4");

    private ReplicaLayout() {
    }

    public record Snapshot(String generation, int index, long size, Instant createdAt) {
    }

    public record Segment(String generation, int index, long offset, long size, Instant createdAt) {
    }

    public static String snapshotKey(String generation, int index) {
        return GENERATIONS + generation + "/snapshots/" + String.format("%08x", index) + ".snapshot.lz4";
    }

    public static String segmentKey(String generation, int index, long offset) {
        return GENERATIONS + generation + "/wal/" + String.format("%08x_%08x", index, offset) + ".wal.lz4";
    }

    public static String generationPrefix(String generation) {
        return GENERATIONS + generation + "/";
    }

    /** A fresh random generation name (16 lowercase hex digits). */
    public static String newGeneration() {
        byte[] b = new byte[8];
        new java.security.SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Parses a snapshot key, or null when {@code info} is not one. */
    public static Snapshot snapshot(ObjectInfo info) {
        Matcher m = SNAPSHOT.matcher(info.key());
        return m.matches() ? new Snapshot(m.group(1), Integer.parseUnsignedInt(m.group(2), 16), info.size(), info.lastModified()) : null;
    }

    /** Parses a WAL segment key, or null when {@code info} is not one. */
    public static Segment segment(ObjectInfo info) {
        Matcher m = SEGMENT.matcher(info.key());
        return m.matches() ? new Segment(m.group(1), Integer.parseUnsignedInt(m.group(2), 16), Long.parseLong(m.group(3), 16),
                info.size(), info.lastModified()) : null;
    }
}
