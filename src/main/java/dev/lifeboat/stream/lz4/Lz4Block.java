package dev.lifeboat.stream.lz4;

import java.io.IOException;

/**
 * Decompresses one LZ4 block (the LZ4 block format: sequences of a token, literals, a 2-byte offset and a match),
 * written from the format description. lz4-java's pure-Java decompressor copies literals eight single bytes at a time;
 * a database page barely compresses, so a snapshot block is almost all literals and that copy loop was most of a
 * restore's decoding CPU. Here literals and non-overlapping matches are {@link System#arraycopy} calls. Every length
 * and offset is checked against both buffers, so damaged input is an IOException, never a read or write out of
 * bounds. No Unsafe, no JNI (native-image).
 */
final class Lz4Block {
    private Lz4Block() {
    }

    /**
     * Decompresses {@code srcLen} bytes of {@code src} from {@code srcOff} into {@code dest} from {@code destOff},
     * writing at most {@code destMax} bytes; returns how many were written.
     */
    static int decompress(byte[] src, int srcOff, int srcLen, byte[] dest, int destOff, int destMax) throws IOException {
        return decompress(src, srcOff, srcLen, dest, destOff, destMax, destOff);
    }

    /**
     * As above, for blocks that may copy from earlier output (frames with dependent blocks): matches may reach back to
     * {@code historyStart}, where the previous blocks' last bytes are kept in {@code dest} before {@code destOff}.
     */
    static int decompress(byte[] src, int srcOff, int srcLen, byte[] dest, int destOff, int destMax, int historyStart) throws IOException {
        int s = srcOff;
        int sEnd = srcOff + srcLen;
        int d = destOff;
        int dEnd = destOff + destMax;
        while (true) {
            if (s >= sEnd) {
                throw malformed("ends before its last literals", s - srcOff);
            }
            int token = src[s++] & 0xFF;
            int literals = token >>> 4;
            if (literals == 15) {
                int b;
                do {
                    if (s >= sEnd) {
                        throw malformed("ends in a literal length", s - srcOff);
                    }
                    b = src[s++] & 0xFF;
                    literals += b; // cannot overflow: each 255 costs an input byte, and blocks are at most 4 MiB
                } while (b == 255);
            }
            if (literals > sEnd - s || literals > dEnd - d) {
                throw malformed("has literals beyond the end of the block", s - srcOff);
            }
            System.arraycopy(src, s, dest, d, literals);
            s += literals;
            d += literals;
            if (s == sEnd) {
                return d - destOff; // the last sequence has literals only
            }
            if (sEnd - s < 2) {
                throw malformed("ends in a match offset", s - srcOff);
            }
            int offset = (src[s] & 0xFF) | (src[s + 1] & 0xFF) << 8;
            s += 2;
            if (offset == 0 || offset > d - historyStart) {
                throw malformed("has a match offset before the start of the block", s - srcOff);
            }
            int match = token & 0x0F;
            if (match == 15) {
                int b;
                do {
                    if (s >= sEnd) {
                        throw malformed("ends in a match length", s - srcOff);
                    }
                    b = src[s++] & 0xFF;
                    match += b;
                } while (b == 255);
            }
            match += 4; // the minimum match
            if (match > dEnd - d) {
                throw malformed("has a match beyond the end of the output", s - srcOff);
            }
            copyMatch(dest, d - offset, d, match);
            d += match;
        }
    }

    /**
     * Copies {@code length} bytes from {@code from} to {@code to} within {@code b}, byte after byte as LZ4 means it:
     * when the match overlaps its own output (offset below the length) the bytes repeat with period {@code to - from}.
     * Copying whole periods keeps every arraycopy's source already written.
     */
    private static void copyMatch(byte[] b, int from, int to, int length) {
        int distance = to - from;
        if (distance >= length) {
            System.arraycopy(b, from, b, to, length);
            return;
        }
        if (distance == 1) {
            java.util.Arrays.fill(b, to, to + length, b[from]);
            return;
        }
        int done = 0;
        while (done < length) {
            // [to - distance, to + done) repeats with period (to - from), and distance stays a multiple of it.
            int n = Math.min(distance, length - done);
            System.arraycopy(b, to + done - distance, b, to + done, n);
            done += n;
            distance += n;
        }
    }

    private static IOException malformed(String what, int at) {
        return new IOException("LZ4 block " + what + " (at byte " + at + "): the object is damaged");
    }
}
