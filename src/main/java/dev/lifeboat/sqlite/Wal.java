package dev.lifeboat.sqlite;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * SQLite's write-ahead-log file format (sqlite.org/fileformat2.html#walformat): a 32-byte header followed by
 * frames of a 24-byte header plus one page. Every frame carries a running checksum seeded by the header's and the
 * header's two salts; a frame belongs to the current "life" of the WAL only if its salts match and its checksum
 * continues the chain. A frame whose "database size" field is non-zero ends a committed transaction.
 */
public final class Wal {
    public static final int HEADER_SIZE = 32;
    public static final int FRAME_HEADER_SIZE = 24;
    private static final int MAGIC_LE = 0x377f0682;
    private static final int MAGIC_BE = 0x377f0683;

    private Wal() {
    }

    /** The parsed 32-byte WAL header. {@code bytes} is kept verbatim: it starts every WAL index in the replica. */
    public record Header(byte[] bytes, boolean bigEndianChecksum, int pageSize, int salt1, int salt2, int checksum1, int checksum2) {
        public int frameSize() {
            return FRAME_HEADER_SIZE + pageSize;
        }

        /** Byte offset of frame {@code n} (1-based) in the file. */
        public long frameOffset(long n) {
            return HEADER_SIZE + (n - 1) * frameSize();
        }

        public boolean sameAs(Header other) {
            return other != null && Arrays.equals(bytes, other.bytes);
        }

        /** True when {@code frameHeader}'s salts are this life's. */
        public boolean saltsMatch(byte[] frame, int off) {
            return be32(frame, off + 8) == salt1 && be32(frame, off + 12) == salt2;
        }
    }

    /** Parses and checks a header; returns null when the bytes are not a complete, valid WAL header. */
    public static Header parseHeader(byte[] b) {
        if (b == null || b.length < HEADER_SIZE) {
            return null;
        }
        int magic = be32(b, 0);
        if (magic != MAGIC_LE && magic != MAGIC_BE) {
            return null;
        }
        boolean big = magic == MAGIC_BE;
        int pageSize = be32(b, 8);
        if (pageSize == 1) {
            pageSize = 65536;
        }
        if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
            return null;
        }
        long[] sum = checksum(big, 0, 0, b, 0, 24);
        int c1 = be32(b, 24);
        int c2 = be32(b, 28);
        if ((int) sum[0] != c1 || (int) sum[1] != c2) {
            return null;
        }
        return new Header(Arrays.copyOf(b, HEADER_SIZE), big, pageSize, be32(b, 16), be32(b, 20), c1, c2);
    }

    /**
     * SQLite's WAL checksum over {@code len} bytes (a multiple of 8) continuing from {@code (s1, s2)}. The words
     * are read in the byte order the header's magic names.
     */
    public static long[] checksum(boolean bigEndian, int s1, int s2, byte[] b, int off, int len) {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int a = s1;
        int c = s2;
        for (int i = 0; i < len; i += 8) {
            a += buf.getInt(off + i) + c;
            c += buf.getInt(off + i + 4) + a;
        }
        return new long[]{a, c};
    }

    /**
     * Checks that {@code frame} (frame header + page) continues the chain ending in {@code (s1, s2)} within the
     * life of {@code header}; returns the frame's checksum pair, or null when it does not belong.
     */
    public static int[] verifyFrame(Header header, int s1, int s2, byte[] frame) {
        if (!header.saltsMatch(frame, 0)) {
            return null;
        }
        long[] sum = checksum(header.bigEndianChecksum(), s1, s2, frame, 0, 8);
        sum = checksum(header.bigEndianChecksum(), (int) sum[0], (int) sum[1], frame, FRAME_HEADER_SIZE, header.pageSize());
        int c1 = be32(frame, 16);
        int c2 = be32(frame, 20);
        return (int) sum[0] == c1 && (int) sum[1] == c2 ? new int[]{c1, c2} : null;
    }

    /** Page number of a frame. */
    public static int pageNumber(byte[] frame) {
        return be32(frame, 0);
    }

    /** Database size in pages after the transaction a commit frame ends; 0 for frames that do not commit. */
    public static int commitSize(byte[] frame) {
        return be32(frame, 4);
    }

    static int be32(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }
}
