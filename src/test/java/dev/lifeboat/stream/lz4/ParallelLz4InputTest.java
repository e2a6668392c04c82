package dev.lifeboat.stream.lz4;

import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.lz4.LZ4FrameOutputStream.BLOCKSIZE;
import net.jpountz.lz4.LZ4FrameOutputStream.FLG;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parallel LZ4 frame decoder against lz4-java's frame encoder (the reference here, pure-Java codec only) and
 * against hand-built frames for what that encoder does not write: every block size, with and without checksums,
 * stored blocks, concatenated and skippable frames, dependent-block frames, frames of the real lz4 CLI, and damage.
 */
class ParallelLz4InputTest {
    private static final LZ4Factory LZ4 = LZ4Factory.safeInstance();
    private static final XXHashFactory XXHASH = XXHashFactory.safeInstance();

    @AfterEach
    void noDecoderThreadOutlivesItsStream() {
        // close() joins the reader and waits for the workers, so this holds right after every test.
        List<String> left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("lifeboat-lz4-")).toList();
        assertEquals(List.of(), left, "decoder threads still running");
    }

    /** Half compressible text-like pages, half random ones, so frames mix compressed and stored blocks. */
    static byte[] content(int size, long seed) {
        byte[] b = new byte[size];
        Random r = new Random(seed);
        for (int page = 0; page * 4096 < size; page++) {
            int from = page * 4096;
            int to = Math.min(size, from + 4096);
            if (page % 2 == 0) {
                r.nextBytes(Arrays.copyOfRange(b, from, to)); // keep the generator moving
                for (int i = from; i < to; i++) {
                    b[i] = (byte) ("row " + (i / 64) + " ").charAt(i % 6);
                }
            } else {
                byte[] rnd = new byte[to - from];
                r.nextBytes(rnd);
                System.arraycopy(rnd, 0, b, from, rnd.length);
            }
        }
        return b;
    }

    static byte[] encode(byte[] data, BLOCKSIZE size, FLG.Bits... bits) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean knownSize = Arrays.asList(bits).contains(FLG.Bits.CONTENT_SIZE);
        try (var lz4 = new LZ4FrameOutputStream(out, size, knownSize ? data.length : -1L, LZ4.fastCompressor(), XXHASH.hash32(), bits)) {
            lz4.write(data);
        }
        return out.toByteArray();
    }

    static byte[] decodeWithTransfer(byte[] frames, int threads) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = new ParallelLz4Input(new ByteArrayInputStream(frames), threads)) {
            in.transferTo(out);
        }
        return out.toByteArray();
    }

    /** Reads in odd-sized pieces, so that reads straddle block boundaries. */
    static byte[] decodeWithReads(byte[] frames) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[7919];
        try (InputStream in = new ParallelLz4Input(new ByteArrayInputStream(frames), 2)) {
            for (int n; (n = in.read(buf, 0, buf.length)) >= 0; ) {
                out.write(buf, 0, n);
            }
            assertEquals(-1, in.read());
        }
        return out.toByteArray();
    }

    static Stream<Arguments> frameKinds() {
        List<Arguments> kinds = new ArrayList<>();
        for (BLOCKSIZE size : BLOCKSIZE.values()) {
            kinds.add(Arguments.of(size, new FLG.Bits[]{FLG.Bits.BLOCK_INDEPENDENCE}));
            kinds.add(Arguments.of(size, new FLG.Bits[]{FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM}));
            kinds.add(Arguments.of(size, new FLG.Bits[]{FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.BLOCK_CHECKSUM}));
            kinds.add(Arguments.of(size, new FLG.Bits[]{FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM, FLG.Bits.BLOCK_CHECKSUM,
                    FLG.Bits.CONTENT_SIZE}));
        }
        return kinds.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("frameKinds")
    void decodesWhatLz4JavaEncodes(BLOCKSIZE size, FLG.Bits[] bits) throws IOException {
        // Several blocks of the largest size, and a last partial block.
        byte[] data = content(9 << 20 | 12345, size.ordinal());
        byte[] frame = encode(data, size, bits);
        assertArrayEquals(data, decodeWithTransfer(frame, 3));
        assertArrayEquals(data, decodeWithReads(frame));
        assertArrayEquals(data, decodeWithTransfer(frame, 1));
    }

    @Test
    void concatenatedAndSkippableFramesAreOneStream() throws IOException {
        byte[] a = content(300_000, 1);
        byte[] b = content(5_000_000, 2);
        byte[] empty = new byte[0];
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(encode(a, BLOCKSIZE.SIZE_64KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM));
        all.write(skippable(1000));
        all.write(encode(empty, BLOCKSIZE.SIZE_4MB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM));
        all.write(encode(b, BLOCKSIZE.SIZE_4MB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM, FLG.Bits.BLOCK_CHECKSUM));
        all.write(skippable(0));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(a);
        expected.write(b);
        assertArrayEquals(expected.toByteArray(), decodeWithTransfer(all.toByteArray(), 2));
        assertArrayEquals(expected.toByteArray(), decodeWithReads(all.toByteArray()));
    }

    @Test
    void storedBlocksAreCopiedAsTheyAre() throws IOException {
        byte[] first = content(65536, 3);
        byte[] second = "a short stored block".getBytes();
        byte[] frame = handBuiltFrame(true, List.of(first, second));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(first);
        expected.write(second);
        assertArrayEquals(expected.toByteArray(), decodeWithTransfer(frame, 2));
    }

    @Test
    void dependentBlockFramesAreDecodedInOrderBetweenIndependentOnes() throws IOException {
        byte[] a = content(1_000_000, 4);
        byte[] b = content(700_000, 5);
        byte[] c = content(200_000, 6);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(encode(a, BLOCKSIZE.SIZE_256KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM));
        all.write(markedDependent(encode(b, BLOCKSIZE.SIZE_64KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM)));
        all.write(encode(c, BLOCKSIZE.SIZE_64KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(a);
        expected.write(b);
        expected.write(c);
        assertArrayEquals(expected.toByteArray(), decodeWithTransfer(all.toByteArray(), 2));
    }

    /** The real lz4 CLI (Debian lz4, installed by bin/test): default frames, and -BD frames whose matches cross blocks. */
    @ParameterizedTest(name = "lz4 {0}")
    @MethodSource("lz4CliOptions")
    void decodesWhatTheLz4CommandWrites(String options, @TempDir Path dir) throws Exception {
        byte[] data = repetitive(3 << 20 | 777);
        Path in = Files.write(dir.resolve("data"), data);
        List<String> command = new ArrayList<>(List.of("lz4", "-q", "-f"));
        command.addAll(List.of(options.split(" ")));
        command.addAll(List.of(in.toString(), dir.resolve("data.lz4").toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "lz4 " + options + ": " + output);
        byte[] frame = Files.readAllBytes(dir.resolve("data.lz4"));
        assertArrayEquals(data, decodeWithTransfer(frame, 2));
        frame[frame.length / 2] ^= 0x20;
        IOException e = assertThrows(IOException.class, () -> decodeWithTransfer(frame, 2));
        assertTrue(e.getMessage().contains("damaged") || e.getMessage().contains("truncated"), e.getMessage());
    }

    static Stream<String> lz4CliOptions() {
        return Stream.of("-1", "-9 -B4 -BX", "-1 -BD -B4", "-9 -BD -B5 -BX --content-size", "-1 -BD -B7");
    }

    /** Stretches that repeat 40-60 KiB later, so that with 64 KiB blocks most matches reach into the previous block. */
    private static byte[] repetitive(int size) {
        byte[] b = content(size, 12);
        Random r = new Random(13);
        for (int at = 60_000; at + 30_000 < size; at += 70_000) {
            System.arraycopy(b, at - 40_000 - r.nextInt(20_000), b, at, 30_000);
        }
        return b;
    }

    @Test
    void aDamagedByteFailsWithAClearMessage() throws IOException {
        byte[] data = content(3 << 20, 7);
        byte[] frame = encode(data, BLOCKSIZE.SIZE_256KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM);
        // Damage spread over the object: in compressed blocks, stored blocks, block headers and the checksum itself.
        int damaged = 0;
        for (int at = 7; at < frame.length; at += frame.length / 37) {
            byte[] copy = frame.clone();
            copy[at] ^= 0x10;
            IOException e = assertThrows(IOException.class, () -> decodeWithTransfer(copy, 2), "flipped byte at " + at);
            assertTrue(e.getMessage().contains("damaged") || e.getMessage().contains("truncated"), e.getMessage());
            damaged++;
        }
        byte[] lastByte = frame.clone();
        lastByte[lastByte.length - 1] ^= 1;
        IOException e = assertThrows(IOException.class, () -> decodeWithReads(lastByte));
        assertEquals("LZ4 content checksum mismatch: the object is damaged", e.getMessage());
        assertTrue(damaged > 30);
    }

    @Test
    void blockChecksumsNameTheDamagedBlock() throws IOException {
        byte[] data = content(1 << 20, 8);
        byte[] frame = encode(data, BLOCKSIZE.SIZE_64KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.BLOCK_CHECKSUM);
        frame[frame.length / 2] ^= 0x01;
        IOException e = assertThrows(IOException.class, () -> decodeWithTransfer(frame, 2));
        assertTrue(e.getMessage().startsWith("LZ4 block checksum mismatch") || e.getMessage().contains("block header"), e.getMessage());
    }

    @Test
    void aTruncatedStreamIsAnError() throws IOException {
        byte[] frame = encode(content(2 << 20, 9), BLOCKSIZE.SIZE_256KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM);
        for (int cut : new int[]{0, 3, 6, 12, frame.length / 3, frame.length - 5, frame.length - 1}) {
            byte[] part = Arrays.copyOf(frame, cut);
            IOException e = assertThrows(IOException.class, () -> decodeWithTransfer(part, 2), "cut at " + cut);
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("empty"), cut + ": " + e.getMessage());
        }
    }

    @Test
    void aWrongAnnouncedContentSizeIsAnError() throws IOException {
        byte[] frame = encode(content(100_000, 10), BLOCKSIZE.SIZE_64KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_SIZE);
        frame[6] ^= 1; // low byte of the content size; the header checksum must then be fixed for the size check to be reached
        frame[14] = (byte) ((XXHASH.hash32().hash(frame, 4, 10, 0) >>> 8) & 0xFF);
        IOException e = assertThrows(IOException.class, () -> decodeWithTransfer(frame, 2));
        assertTrue(e.getMessage().startsWith("LZ4 frame announced"), e.getMessage());
    }

    @Test
    void closingMidwayStopsEveryThread() throws IOException {
        byte[] frame = encode(content(8 << 20, 11), BLOCKSIZE.SIZE_64KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM);
        try (InputStream in = new ParallelLz4Input(new ByteArrayInputStream(frame), 2)) {
            assertEquals(1000, in.readNBytes(1000).length); // the reader is now blocked on the full queue or budget
        }
        // noDecoderThreadOutlivesItsStream checks the rest
    }

    /** {@code frame} (without content size) with its block independence flag cleared and the header checksum fixed. */
    private static byte[] markedDependent(byte[] frame) {
        frame[4] &= ~0x20;
        frame[6] = (byte) ((XXHASH.hash32().hash(frame, 4, 2, 0) >>> 8) & 0xFF);
        return frame;
    }

    /** A skippable frame of {@code n} bytes of noise. */
    private static byte[] skippable(int n) {
        ByteBuffer b = ByteBuffer.allocate(8 + n).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Lz4FrameHeader.SKIPPABLE_MAGIC | 0x7).putInt(n);
        byte[] noise = new byte[n];
        new Random(n).nextBytes(noise);
        b.put(noise);
        return b.array();
    }

    /** An independent-block frame (64 KiB maximum, content checksum) whose blocks are all stored uncompressed. */
    private static byte[] handBuiltFrame(boolean contentChecksum, List<byte[]> storedBlocks) {
        ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Lz4FrameHeader.MAGIC);
        byte flg = (byte) (0x40 | 0x20 | (contentChecksum ? 0x04 : 0));
        byte bd = 0x40;
        b.put(flg).put(bd).put((byte) ((XXHASH.hash32().hash(new byte[]{flg, bd}, 0, 2, 0) >>> 8) & 0xFF));
        var hash = XXHASH.newStreamingHash32(0);
        for (byte[] block : storedBlocks) {
            b.putInt(block.length | 0x80000000).put(block);
            hash.update(block, 0, block.length);
        }
        b.putInt(0);
        if (contentChecksum) {
            b.putInt(hash.getValue());
        }
        return Arrays.copyOf(b.array(), b.position());
    }
}
