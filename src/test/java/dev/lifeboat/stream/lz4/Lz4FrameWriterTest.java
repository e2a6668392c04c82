package dev.lifeboat.stream.lz4;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Frames written by {@link Lz4FrameWriter} are read by the reference lz4 program and by lz4-java's frame decoder. */
class Lz4FrameWriterTest {
    private static final int B = Lz4FrameWriter.BLOCK_SIZE;

    @TempDir
    Path dir;

    @Test
    void theReferenceLz4ProgramAndLz4JavaReadEveryShapeOfFrame() throws Exception {
        Random random = new Random(7);
        for (int size : new int[]{0, 1, 4096, B - 1, B, B + 1, 3 * B + 12345}) {
            for (boolean compressible : new boolean[]{true, false}) {
                byte[] data = new byte[size];
                if (compressible) {
                    for (int i = 0; i < size; i++) {
                        data[i] = (byte) (i % 4096 < 100 ? random.nextInt() : i / 4096); // WAL-like: pages of mostly repeats
                    }
                } else {
                    random.nextBytes(data); // incompressible: blocks are stored uncompressed
                }
                for (int piece : new int[]{1000, B + 7}) { // whole blocks are compressed from the caller's buffer
                    byte[] frame = compress(data, piece);
                    String what = size + " bytes in pieces of " + piece + ", compressible " + compressible;
                    assertArrayEquals(data, Lz4Frames.decompress(new ByteArrayInputStream(frame)).readAllBytes(), what);
                    assertArrayEquals(data, withLz4Program(frame), what);
                    if (compressible && size > 4096) {
                        assertTrue(frame.length < size / 2, what + " compressed to " + frame.length);
                    }
                }
            }
        }
    }

    @Test
    void aDamagedFrameFailsItsContentChecksum() throws Exception {
        byte[] data = new byte[2 * B];
        new Random(3).nextBytes(data); // stored blocks: a flipped byte changes the content, not the block structure
        byte[] frame = compress(data, data.length);
        frame[frame.length / 2] ^= 1;
        assertThrows(java.io.IOException.class, () -> Lz4Frames.decompress(new ByteArrayInputStream(frame)).readAllBytes());
    }

    @Test
    void writingAfterCloseIsAnError() throws Exception {
        OutputStream lz = Lz4Frames.compress(new ByteArrayOutputStream());
        lz.close();
        lz.close(); // closing twice is harmless
        assertThrows(java.io.IOException.class, () -> lz.write(new byte[1]));
    }

    /** Compresses {@code data}, written in pieces of {@code piece} bytes. */
    private static byte[] compress(byte[] data, int piece) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream lz = Lz4Frames.compress(out)) {
            for (int off = 0; off < data.length; off += piece) {
                lz.write(data, off, Math.min(piece, data.length - off));
            }
        }
        return out.toByteArray();
    }

    private byte[] withLz4Program(byte[] frame) throws Exception {
        Path in = dir.resolve("in.lz4");
        Path out = dir.resolve("out");
        Files.write(in, frame);
        Process p = new ProcessBuilder("lz4", "-d", "-f", "-q", in.toString(), out.toString()).redirectErrorStream(true).start();
        String msg = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), msg);
        return Files.readAllBytes(out);
    }
}
