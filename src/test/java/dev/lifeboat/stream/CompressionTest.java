package dev.lifeboat.stream;

import dev.lifeboat.stream.age.AgeIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Compression stages against the standard CLIs, and the whole writer/reader pipeline. */
class CompressionTest {
    @TempDir
    Path dir;

    /** Compressible but not trivial: text-like rows, as in a pg_dump. */
    static byte[] sample(int rows) {
        StringBuilder s = new StringBuilder();
        java.util.Random r = new java.util.Random(rows);
        for (int i = 0; i < rows; i++) {
            s.append(i).append('\t').append("user-").append(r.nextInt(5000)).append("@example.com\t")
                    .append(r.nextLong()).append("\t{\"k\": ").append(r.nextInt(100)).append("}\n");
        }
        return s.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void outputIsReadableByTheStandardTool(Compression c) throws Exception {
        byte[] plain = sample(50_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var z = c.compress(out)) {
            z.write(plain);
        }
        Path file = dir.resolve("data" + c.extension());
        Files.write(file, out.toByteArray());
        if (c != Compression.NONE) {
            assertTrue(out.size() < plain.length / 2, c + " should compress text-like data");
            String tool = c == Compression.ZSTD ? "zstd" : "gzip";
            Process p = new ProcessBuilder(tool, "-d", "-c", file.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            byte[] decoded = p.getInputStream().readAllBytes();
            assertEquals(0, p.waitFor());
            assertArrayEquals(plain, decoded);
        }
        try (InputStream in = c.decompress(new ByteArrayInputStream(out.toByteArray()))) {
            assertArrayEquals(plain, in.readAllBytes());
        }
    }

    @Test
    void zstdCliOutputIsReadableHere() throws Exception {
        byte[] plain = sample(30_000);
        Path file = dir.resolve("data");
        Files.write(file, plain);
        Process p = new ProcessBuilder("zstd", "-q", "-3", "-c", file.toString()).start();
        byte[] compressed = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        try (InputStream in = Compression.ZSTD.decompress(new ByteArrayInputStream(compressed))) {
            assertArrayEquals(plain, in.readAllBytes());
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void writerAndReaderRoundTripWithChecksum(Compression c) throws Exception {
        AgeIdentity id = AgeIdentity.generate();
        byte[] plain = sample(20_000);
        ByteArrayOutputStream sink = new ByteArrayOutputStream() {
            @Override
            public void close() {
                throw new AssertionError("the writer must not close its sink (an upload's close aborts)");
            }
        };
        BackupWriter w = BackupWriter.open(sink, c, List.of(id.recipient()));
        w.write(plain);
        w.close();
        assertEquals(plain.length, w.rawBytes());
        assertEquals(sink.size(), w.storedBytes());
        assertEquals(HexSha.of(sink.toByteArray()), w.storedSha256());

        RestoreReader r = RestoreReader.open(new ByteArrayInputStream(sink.toByteArray()), c, true, List.of(id));
        assertArrayEquals(plain, r.readAllBytes());
        r.verify(w.storedSha256(), w.storedBytes());

        RestoreReader wrongSum = RestoreReader.open(new ByteArrayInputStream(sink.toByteArray()), c, true, List.of(id));
        wrongSum.readAllBytes();
        String sum = w.storedSha256();
        // Flip the first hex digit: a fixed prefix such as "00" equals the real sum one time in 256.
        String otherSum = (sum.charAt(0) == '0' ? "1" : "0") + sum.substring(1);
        IOException e = assertThrows(IOException.class, () -> wrongSum.verify(otherSum, w.storedBytes()));
        assertTrue(e.getMessage().contains("checksum mismatch"));
    }

    static final class HexSha {
        static String of(byte[] b) {
            return java.util.HexFormat.of().formatHex(Sha256.newDigest().digest(b));
        }
    }
}
