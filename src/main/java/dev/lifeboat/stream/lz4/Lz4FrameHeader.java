package dev.lifeboat.stream.lz4;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The frame descriptor of an LZ4 frame (lz4 frame format 1.6: FLG, BD, optional content size and dictionary id, header
 * checksum), read after the magic number. Only what a reader needs is kept; {@link #bytes()} are the descriptor's raw
 * bytes, so that a frame can be handed on to another decoder.
 *
 * @param independentBlocks blocks can be decompressed without the previous ones (FLG bit 5)
 * @param blockChecksums    each block is followed by the xxHash32 of its stored bytes (FLG bit 4)
 * @param contentChecksum   the end mark is followed by the xxHash32 of the whole decompressed content (FLG bit 2)
 * @param contentSize       the decompressed size announced by the frame (FLG bit 3), or -1
 * @param maxBlockSize      no block decompresses to more than this (BD: 64 KiB, 256 KiB, 1 MiB or 4 MiB)
 * @param bytes             FLG through the header checksum, as read
 */
record Lz4FrameHeader(boolean independentBlocks, boolean blockChecksums, boolean contentChecksum, long contentSize, int maxBlockSize,
                      byte[] bytes) {
    /** The magic number of an LZ4 frame, little-endian on the wire. */
    static final int MAGIC = 0x184D2204;
    /** Skippable frames have magic numbers 0x184D2A50..0x184D2A5F: a 4-byte length, then that many bytes to ignore. */
    static final int SKIPPABLE_MAGIC = 0x184D2A50;
    static final int SKIPPABLE_MASK = 0xFFFFFFF0;

    /** Reads and checks a frame descriptor; an IOException says what is wrong with it. */
    static Lz4FrameHeader read(InputStream in) throws IOException {
        byte[] head = readFully(in, 2, "frame descriptor");
        int flg = head[0] & 0xFF;
        int bd = head[1] & 0xFF;
        if ((flg >>> 6) != 1) {
            throw new IOException("unsupported LZ4 frame version " + (flg >>> 6) + " (only version 1 exists): the object is damaged or not LZ4");
        }
        if ((flg & 0x02) != 0 || (bd & 0x8F) != 0) {
            throw new IOException("LZ4 frame descriptor has reserved bits set: the object is damaged");
        }
        boolean hasContentSize = (flg & 0x08) != 0;
        boolean hasDictionary = (flg & 0x01) != 0;
        int blockSizeId = (bd >>> 4) & 0x07;
        if (blockSizeId < 4) {
            throw new IOException("LZ4 frame has an invalid maximum block size code " + blockSizeId + ": the object is damaged");
        }
        byte[] rest = readFully(in, (hasContentSize ? 8 : 0) + (hasDictionary ? 4 : 0) + 1, "frame descriptor");
        byte[] bytes = new byte[2 + rest.length];
        bytes[0] = head[0];
        bytes[1] = head[1];
        System.arraycopy(rest, 0, bytes, 2, rest.length);
        int expected = (XxHash32.hash(bytes, 0, bytes.length - 1, 0) >>> 8) & 0xFF;
        if ((bytes[bytes.length - 1] & 0xFF) != expected) {
            throw new IOException("LZ4 frame descriptor checksum mismatch: the object is damaged");
        }
        if (hasDictionary) {
            // Litestream and Lifeboat never use dictionaries, and without the dictionary the blocks cannot be decoded.
            throw new IOException("LZ4 frame needs a preset dictionary, which Lifeboat does not have");
        }
        long contentSize = hasContentSize ? le64(bytes, 2) : -1;
        return new Lz4FrameHeader((flg & 0x20) != 0, (flg & 0x10) != 0, (flg & 0x04) != 0, contentSize, 1 << (8 + 2 * blockSizeId), bytes);
    }

    /** Exactly {@code n} bytes of {@code in}; an EOFException naming {@code what} when the stream ends first. */
    static byte[] readFully(InputStream in, int n, String what) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("LZ4 stream ends in the middle of a " + what + ": the object is truncated");
        }
        return b;
    }

    static int le32(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    private static long le64(byte[] b, int off) {
        return (le32(b, off) & 0xFFFFFFFFL) | (long) le32(b, off + 4) << 32;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Lz4FrameHeader h && Arrays.equals(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Lz4FrameHeader" + Arrays.toString(bytes);
    }
}
