package dev.lifeboat.pitr;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The names PostgreSQL gives WAL files and asks {@code restore_command} for: a segment is 24 hex digits
 * ({@code TTTTTTTTXXXXXXXXYYYYYYYY}: timeline, then the segment number split at 2^32 bytes of WAL), a timeline
 * history file is {@code TTTTTTTT.history}.
 */
public final class WalFileName {
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    private static final Pattern HISTORY = Pattern.compile("[0-9A-F]{8}\\.history");
    private static final long XLOG_ID_BYTES = 0x1_0000_0000L;

    private WalFileName() {
    }

    public static boolean isSegment(String name) {
        return SEGMENT.matcher(name).matches();
    }

    public static boolean isHistory(String name) {
        return HISTORY.matcher(name).matches();
    }

    /** The segment file name of segment number {@code segno} on {@code timeline}. */
    public static String segment(int timeline, long segno, long segmentSize) {
        long perId = XLOG_ID_BYTES / segmentSize;
        return String.format(Locale.ROOT, "%08X%08X%08X", timeline, segno / perId, segno % perId);
    }

    /** The segment file holding {@code lsn} on {@code timeline}. */
    public static String segment(int timeline, Lsn lsn, long segmentSize) {
        return segment(timeline, lsn.segmentNumber(segmentSize), segmentSize);
    }

    /** The timeline of a segment or history file name. */
    public static int timeline(String name) {
        return Integer.parseUnsignedInt(name.substring(0, 8), 16);
    }

    /** The segment number a segment file name stands for. */
    public static long segmentNumber(String name, long segmentSize) {
        long perId = XLOG_ID_BYTES / segmentSize;
        return Long.parseLong(name.substring(8, 16), 16) * perId + Long.parseLong(name.substring(16, 24), 16);
    }

    /** Where a segment starts. */
    public static Lsn segmentStart(String name, long segmentSize) {
        return new Lsn(segmentNumber(name, segmentSize) * segmentSize);
    }

    /** {@code TTTTTTTT.history}. */
    public static String history(int timeline) {
        return String.format(Locale.ROOT, "%08X.history", timeline);
    }

    /** The 8-hex timeline directory name. */
    public static String timelineHex(int timeline) {
        return String.format(Locale.ROOT, "%08X", timeline);
    }
}
