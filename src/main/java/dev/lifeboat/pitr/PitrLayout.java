package dev.lifeboat.pitr;

import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.stream.Compression;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The object layout of point-in-time recovery, shared by the WAL archiver, {@code wal-fetch}, base backups, PITR
 * restores, retention and drills. Keys are relative to the database's folder of its destination
 * ({@code Destinations.forDatabase}), so in the bucket they start with {@code <db>/}.
 *
 * <h2>WAL</h2>
 * <pre>
 * pitr/wal/&lt;TTTTTTTT&gt;/&lt;segment 24 hex&gt;.&lt;sha256&gt;&lt;ext&gt;                       a complete segment
 * pitr/wal/&lt;TTTTTTTT&gt;/&lt;segment 24 hex&gt;.partial.&lt;end 8 hex&gt;.&lt;sha256&gt;&lt;ext&gt;  the segment in progress
 * pitr/wal/&lt;TTTTTTTT&gt;/&lt;TTTTTTTT&gt;.history.&lt;sha256&gt;&lt;ext&gt;                       a timeline history file
 * </pre>
 * {@code TTTTTTTT} is the timeline in 8 upper-case hex digits (the first 8 of the segment name), the segment name is
 * PostgreSQL's own ({@link WalFileName}). {@code <ext>} is the compression's extension ({@code .zst}, {@code .gz},
 * none) followed by {@code .age} when the object is age-encrypted; the database's {@code compression} and
 * {@code encryption} choose them, and readers take them from the name.
 *
 * <p><b>Content.</b> Each object is the raw WAL file through {@link dev.lifeboat.stream.BackupWriter} (compression,
 * then age). A segment object, complete or partial, always decodes to exactly {@code wal_segment_size} bytes; a
 * partial holds the first {@code end} bytes of the segment (hex offset in its name) followed by zeros, which is what
 * a server in recovery expects of a segment file: it reads WAL up to the zeros and ends recovery there. A history
 * object decodes to the history file. A zstd object may be several frames, which decode as one stream
 * ({@link SegmentEncoder} compresses each MiB of a segment once and builds the segment's objects from them).
 *
 * <p><b>Checksum.</b> {@code <sha256>} (64 lower-case hex) is the SHA-256 of the stored bytes, exactly as they are in
 * the store. A reader downloads the whole object, checks its SHA-256 against the name before decoding a byte, and
 * refuses it otherwise ({@link WalArchive#fetch}); an object is written once under its final name (conditional put:
 * an existing object is never replaced), so a name with a checksum cannot be half-written or overwritten.
 *
 * <p><b>Which object serves a file name</b> ({@link WalArchive#find}): the complete segment when one exists (the
 * oldest, if a conflict left two); else the partial with the greatest {@code end}. A partial is deleted by the
 * archiver only after a longer partial or the complete segment of the same name is durable. On a timeline switch the
 * archiver keeps the old timeline's last segment as a partial (its bytes up to the switch point) and archives the
 * segment holding the switch point again under the new timeline, as PostgreSQL itself names it.
 *
 * <p><b>Archived position.</b> What the destination proves is archived: on the newest timeline, everything up to the
 * end of the newest complete segment or the {@code end} of the newest partial after it. The archiver reports exactly
 * this position as flushed to the server, so the replication slot's {@code restart_lsn} never passes it.
 *
 * <h2>Base backups</h2>
 * <pre>
 * pitr/base/&lt;id&gt;/&lt;file&gt;&lt;ext&gt;     data ({@code base.tar}, {@code <tablespace oid>.tar}), through the same stages
 * pitr/base/&lt;id&gt;/manifest.json   written last: a base backup exists if and only if its manifest does
 * </pre>
 * {@code <id>} is the start time {@code yyyyMMdd'T'HHmmss'Z'} (UTC), so ids sort by time; the manifest records the
 * start/stop LSN, timeline, backup label, tablespaces, checksums and sizes.
 */
public final class PitrLayout {
    /** Everything of PITR. */
    public static final String ROOT = "pitr/";
    /** Every WAL object. */
    public static final String WAL = ROOT + "wal/";
    /** Every base backup. */
    public static final String BASE = ROOT + "base/";
    /** A base backup's manifest file name, under its {@link #basePrefix(String)}. */
    public static final String BASE_MANIFEST = "manifest.json";
    private static final String AGE = ".age";
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern WAL_KEY = Pattern.compile("pitr/wal/([0-9A-F]{8})/([0-9A-F]{24}|[0-9A-F]{8}\\.history)"
            + "(?:\\.partial\\.([0-9a-f]{8}))?\\.([0-9a-f]{64})(\\.zst|\\.gz)?(\\.age)?");

    private PitrLayout() {
    }

    /** The WAL objects of {@code timeline}. */
    public static String timelinePrefix(int timeline) {
        return WAL + WalFileName.timelineHex(timeline) + "/";
    }

    /** Every object that may serve {@code fileName} (a segment or history file name), complete or partial. */
    public static String walFilePrefix(String fileName) {
        return timelinePrefix(WalFileName.timeline(fileName)) + fileName + ".";
    }

    /** A complete segment or a history file. */
    public static String walKey(String fileName, String storedSha256, Compression compression, boolean encrypted) {
        return walFilePrefix(fileName) + storedSha256 + suffix(compression, encrypted);
    }

    /** The first {@code end} bytes of a segment, zero-padded to the segment size. */
    public static String partialKey(String segmentName, int end, String storedSha256, Compression compression, boolean encrypted) {
        return walFilePrefix(segmentName) + "partial." + String.format(Locale.ROOT, "%08x", end) + "." + storedSha256
                + suffix(compression, encrypted);
    }

    /** The suffix objects get from their stages: the compression's extension, then {@code .age} when encrypted. */
    public static String suffix(Compression compression, boolean encrypted) {
        return compression.extension() + (encrypted ? AGE : "");
    }

    /** Parses a WAL object key, or null when {@code info} is not one. */
    public static WalObject walObject(ObjectInfo info) {
        Matcher m = WAL_KEY.matcher(info.key());
        if (!m.matches() || !m.group(2).startsWith(m.group(1))) {
            return null;
        }
        String name = m.group(2);
        WalObject.Kind kind = WalFileName.isHistory(name) ? WalObject.Kind.HISTORY
                : m.group(3) != null ? WalObject.Kind.PARTIAL : WalObject.Kind.SEGMENT;
        if (kind == WalObject.Kind.HISTORY && m.group(3) != null) {
            return null;
        }
        Compression compression = ".zst".equals(m.group(5)) ? Compression.ZSTD : ".gz".equals(m.group(5)) ? Compression.GZIP : Compression.NONE;
        int end = m.group(3) == null ? -1 : Integer.parseUnsignedInt(m.group(3), 16);
        return new WalObject(info.key(), name, kind, Integer.parseUnsignedInt(m.group(1), 16), end, m.group(4),
                compression, m.group(6) != null, info.size(), info.lastModified());
    }

    /** A new base backup id for a backup starting at {@code startedAt}. */
    public static String newBaseBackupId(Instant startedAt) {
        return ID_TIME.format(startedAt);
    }

    /** Every object of base backup {@code id}. */
    public static String basePrefix(String id) {
        return BASE + id + "/";
    }

    /** A data object of base backup {@code id}: {@code file} is {@code base.tar} or {@code <oid>.tar}. */
    public static String baseDataKey(String id, String file, Compression compression, boolean encrypted) {
        return basePrefix(id) + file + suffix(compression, encrypted);
    }

    /** The manifest of base backup {@code id}, written after all its data. */
    public static String baseManifestKey(String id) {
        return basePrefix(id) + BASE_MANIFEST;
    }
}
