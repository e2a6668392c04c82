package dev.lifeboat.sqlite;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
    // Checksums are the agent's hottest loop (every WAL byte): ints are read straight out of the byte arrays.
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

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
        long sum = sum(bigEndian ? INT_BE : INT_LE, s1, s2, b, off, len);
        return new long[]{(int) (sum >>> 32), (int) sum};
    }

    /** The checksum pair continued over {@code len} bytes, packed as {@code s1 << 32 | s2}. */
    private static long sum(VarHandle words, int s1, int s2, byte[] b, int off, int len) {
        int a = s1;
        int c = s2;
        for (int i = off, end = off + len; i < end; i += 8) {
            a += (int) words.get(b, i) + c;
            c += (int) words.get(b, i + 4) + a;
        }
        return (long) a << 32 | (c & 0xffffffffL);
    }

    /**
     * True when the frame at {@code buf[off]} (frame header + page) belongs to the life of {@code header} and
     * continues the chain ending in {@code (s1, s2)}; the frame's own pair is then {@link #checksum1}/{@link #checksum2}.
     */
    public static boolean continuesChain(Header header, int s1, int s2, byte[] buf, int off) {
        if (!header.saltsMatch(buf, off)) {
            return false;
        }
        VarHandle words = header.bigEndianChecksum() ? INT_BE : INT_LE;
        long sum = sum(words, s1, s2, buf, off, 8);
        sum = sum(words, (int) (sum >>> 32), (int) sum, buf, off + FRAME_HEADER_SIZE, header.pageSize());
        return (int) (sum >>> 32) == checksum1(buf, off) && (int) sum == checksum2(buf, off);
    }

    /** First half of the checksum pair a frame carries. */
    public static int checksum1(byte[] buf, int off) {
        return be32(buf, off + 16);
    }

    /** Second half of the checksum pair a frame carries. */
    public static int checksum2(byte[] buf, int off) {
        return be32(buf, off + 20);
    }

    /** Page number of the frame at {@code buf[off]}. */
    public static int pageNumber(byte[] buf, int off) {
        return be32(buf, off);
    }

    /** Database size in pages after the transaction the frame at {@code buf[off]} commits; 0 for frames that do not commit. */
    public static int commitSize(byte[] buf, int off) {
        return be32(buf, off + 4);
    }

    static int be32(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }
}
