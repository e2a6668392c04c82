package dev.lifeboat.stream;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The installed zstd program (real), its report, and how it is found. */
class ZstdCliTest {
    @Test
    void theInstalledZstdReportsItsCountsAndWritesWhatWeRead() throws Exception {
        Path zstd = ZstdCli.installed().orElseThrow(() -> new AssertionError("zstd is not installed (bin/test installs it)"));
        byte[] plain = CompressionTest.sample(40_000);
        Process p = new ProcessBuilder(ZstdCli.compressCommand(zstd)).start();
        Thread feeder = Thread.ofVirtual().start(() -> {
            try (var in = p.getOutputStream()) {
                in.write(plain);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] compressed = p.getInputStream().readAllBytes();
        String report = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        feeder.join();
        assertEquals(0, p.waitFor());
        // The format this zstd version prints is what a backup's manifest relies on: a new one fails here first.
        assertEquals(OptionalLong.of(plain.length), ZstdCli.inputBytes(report, compressed.length), report);
        assertEquals(OptionalLong.empty(), ZstdCli.inputBytes(report, compressed.length + 1), "a count that disagrees is refused");
        try (var in = Compression.ZSTD.decompress(new ByteArrayInputStream(compressed))) {
            assertArrayEquals(plain, in.readAllBytes());
        }
    }

    @Test
    void readsBothReportFormats() {
        assertEquals(OptionalLong.of(13508775), ZstdCli.inputBytes(
                "/*stdin*\\            : 75.37%   (13508775 B => 10181318 B, /*stdout*\\) \n", 10181318));
        assertEquals(OptionalLong.of(13508775), ZstdCli.inputBytes(
                "/*stdin*\\            : 75.37%   (13508775 => 10181318 bytes, /*stdout*\\) \n", 10181318));
        assertEquals(OptionalLong.of(1236), ZstdCli.inputBytes("/*stdin*\\            : 46.28%   (  1236 B =>    572 B, /*stdout*\\) \n", 572));
        assertEquals(OptionalLong.empty(), ZstdCli.inputBytes("zstd: error 70 : Write error : Broken pipe", 0));
        assertEquals(OptionalLong.empty(), ZstdCli.inputBytes("(  12.9 MiB =>   9.71 MiB, /*stdout*\\)", 10181318));
    }

    @Test
    void findsTheProgramOnThePathUnlessToldOtherwise() {
        String path = System.getenv("PATH");
        assertTrue(ZstdCli.find(null, path).isPresent());
        assertEquals(Path.of("/bin/true"), ZstdCli.find("/bin/true", path).orElseThrow());
        assertTrue(ZstdCli.find("none", path).isEmpty(), "LIFEBOAT_ZSTD=none means pure-Java compression");
        assertTrue(ZstdCli.find(null, "/nonexistent:/also-not").isEmpty());
        assertTrue(ZstdCli.find("/nonexistent/zstd", path).isEmpty());
    }
}
