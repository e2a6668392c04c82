package dev.lifeboat.stream.lz4;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lifeboat's LZ4 block decoder against lz4-java's compressors and decompressor (the reference here, pure Java). */
class Lz4BlockTest {
    private static final LZ4Factory LZ4 = LZ4Factory.safeInstance();

    /** Data of many shapes: runs of one byte (offset-1 matches), short periods (overlapping matches), text, noise. */
    static byte[] shapes(int size, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        int i = 0;
        while (i < size) {
            int n = Math.min(size - i, 1 + r.nextInt(3000));
            switch (r.nextInt(5)) {
                case 0 -> Arrays.fill(b, i, i + n, (byte) r.nextInt());
                case 1 -> {
                    int period = 2 + r.nextInt(11);
                    for (int k = 0; k < n; k++) {
                        b[i + k] = (byte) ((k % period) * 31);
                    }
                }
                case 2 -> {
                    byte[] text = ("page " + r.nextInt(100) + " of a table; ").getBytes();
                    for (int k = 0; k < n; k++) {
                        b[i + k] = text[k % text.length];
                    }
                }
                case 3 -> {
                    if (i > 0) { // an earlier stretch again, up to 64 KiB back
                        int from = Math.max(0, i - 1 - r.nextInt(65535));
                        n = Math.min(n, i - from);
                        System.arraycopy(b, from, b, i, n);
                    }
                }
                default -> {
                    byte[] noise = new byte[n];
                    r.nextBytes(noise);
                    System.arraycopy(noise, 0, b, i, n);
                }
            }
            i += n;
        }
        return b;
    }

    @Test
    void decodesWhatLz4JavaCompressesFastAndHigh() throws IOException {
        for (LZ4Compressor c : new LZ4Compressor[]{LZ4.fastCompressor(), LZ4.highCompressor(), LZ4.highCompressor(17)}) {
            for (int size : new int[]{0, 1, 5, 12, 13, 100, 65536, 256 << 10, 4 << 20}) {
                byte[] data = shapes(size, size);
                byte[] compressed = c.compress(data);
                byte[] out = new byte[size + 10];
                assertEquals(size, Lz4Block.decompress(compressed, 0, compressed.length, out, 5, size), "size " + size);
                assertArrayEquals(data, Arrays.copyOfRange(out, 5, 5 + size), "size " + size);
            }
        }
    }

    @Test
    void damagedBlocksAreIOExceptionsAndAgreeWithLz4JavaWhenTheyDecode() {
        byte[] data = shapes(64 << 10, 99);
        byte[] compressed = LZ4.fastCompressor().compress(data);
        Random r = new Random(7);
        int failures = 0;
        for (int trial = 0; trial < 3000; trial++) {
            byte[] bad = compressed.clone();
            int flips = 1 + r.nextInt(3);
            for (int f = 0; f < flips; f++) {
                bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
            }
            int len = r.nextInt(4) == 0 ? r.nextInt(bad.length) : bad.length; // sometimes truncated too
            byte[] ours = new byte[data.length];
            int n;
            try {
                n = Lz4Block.decompress(bad, 0, len, ours, 0, ours.length);
            } catch (IOException e) {
                assertTrue(e.getMessage().endsWith("the object is damaged"), e.getMessage());
                failures++;
                continue;
            }
            byte[] theirs = new byte[data.length];
            try {
                int m = LZ4.safeDecompressor().decompress(bad, 0, len, theirs, 0);
                assertEquals(m, n);
                assertArrayEquals(Arrays.copyOf(theirs, m), Arrays.copyOf(ours, n));
            } catch (LZ4Exception stricter) {
                // lz4-java also enforces the encoder's end-of-block rules; bytes we decoded are still bounded.
            }
        }
        assertTrue(failures > 100, "damage should mostly be detected in the block itself: " + failures);
    }

    @Test
    void outputLargerThanAllowedIsRefused() throws IOException {
        byte[] data = shapes(10_000, 3);
        byte[] compressed = LZ4.fastCompressor().compress(data);
        IOException e = assertThrows(IOException.class, () -> Lz4Block.decompress(compressed, 0, compressed.length, new byte[9_999], 0, 9_999));
        assertTrue(e.getMessage().contains("beyond the end"), e.getMessage());
    }
}
