package dev.lifeboat.cli;

import dev.lifeboat.pitr.PitrLayout;
import dev.lifeboat.pitr.WalArchive;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lifeboat wal-fetch %f %p} as PostgreSQL's restore_command runs it, against an archive laid out by
 * {@link PitrLayout}: complete segments, the newest partial served as the segment, history files, exit 1 when
 * absent, exit 2 naming the object when a byte was flipped (and nothing written). The command needs no CDI
 * service, so it runs through picocli here without booting the application for each call.
 */
class WalFetchCommandTest {
    private static final int SEGMENT = 1 << 20;

    @Test
    void fetchesVerifiedFilesAndRefusesDamagedOnes() throws Exception {
        Path dir = Files.createTempDirectory("lifeboat-wal-fetch");
        Path archiveDir = dir.resolve("archive/shop");
        Path config = TestConfigs.write(dir, """
                destinations: {local: {url: "file://%s/archive"}}
                databases:
                  shop:
                    type: postgres
                    url: "postgres://postgres@127.0.0.1:1/shop"
                    destination: local
                    pitr: {enabled: true}
                """.formatted(dir));
        byte[] complete = new byte[SEGMENT];
        new Random(1).nextBytes(complete);
        byte[] partial = new byte[SEGMENT];
        new Random(2).nextBytes(partial);
        java.util.Arrays.fill(partial, 4096, SEGMENT, (byte) 0);
        byte[] shorter = partial.clone();
        java.util.Arrays.fill(shorter, 2048, SEGMENT, (byte) 0);
        byte[] history = "1\t0/3000000\tno recovery target specified\n".getBytes(StandardCharsets.US_ASCII);
        store(archiveDir, PitrLayout.walKey("000000010000000000000002", sha(complete), Compression.ZSTD, false), complete);
        store(archiveDir, PitrLayout.partialKey("000000010000000000000003", 2048, sha(shorter), Compression.ZSTD, false), shorter);
        store(archiveDir, PitrLayout.partialKey("000000010000000000000003", 4096, sha(partial), Compression.ZSTD, false), partial);
        store(archiveDir, PitrLayout.walKey("00000002.history", sha(history), Compression.ZSTD, false), history);

        Path pgWal = Files.createDirectories(dir.resolve("pg_wal"));
        Result ok = launch("wal-fetch", "000000010000000000000002", pgWal.resolve("RECOVERYXLOG").toString(), "--config", config.toString());
        assertEquals(0, ok.exitCode(), ok.getErrorOutput());
        assertArrayEquals(complete, Files.readAllBytes(pgWal.resolve("RECOVERYXLOG")));

        Result newestPartial = launch("wal-fetch", "000000010000000000000003", pgWal.resolve("RECOVERYXLOG").toString(),
                "--config", config.toString(), "--database", "shop");
        assertEquals(0, newestPartial.exitCode(), newestPartial.getErrorOutput());
        assertArrayEquals(partial, Files.readAllBytes(pgWal.resolve("RECOVERYXLOG")), "the longest partial, zero-padded to a segment");

        Result hist = launch("wal-fetch", "00000002.history", pgWal.resolve("RECOVERYHISTORY").toString(), "--config", config.toString());
        assertEquals(0, hist.exitCode(), hist.getErrorOutput());
        assertArrayEquals(history, Files.readAllBytes(pgWal.resolve("RECOVERYHISTORY")));

        Result absent = launch("wal-fetch", "000000010000000000000004", pgWal.resolve("absent").toString(), "--config", config.toString());
        assertEquals(1, absent.exitCode(), absent.getErrorOutput());
        assertFalse(Files.exists(pgWal.resolve("absent")));

        String key = PitrLayout.walKey("000000010000000000000002", sha(complete), Compression.ZSTD, false);
        Path object = archiveDir.resolve(key);
        byte[] stored = Files.readAllBytes(object);
        stored[stored.length / 3] ^= 0x40;
        Files.write(object, stored);
        Result damaged = launch("wal-fetch", "000000010000000000000002", pgWal.resolve("damaged").toString(), "--config", config.toString());
        assertEquals(2, damaged.exitCode(), damaged.getErrorOutput());
        assertTrue(damaged.getErrorOutput().contains("checksum mismatch") && damaged.getErrorOutput().contains("shop/" + key), damaged.getErrorOutput());
        assertFalse(Files.exists(pgWal.resolve("damaged")), "nothing is written from a damaged object");
        assertEquals(0, Files.list(pgWal).filter(p -> p.getFileName().toString().endsWith(".lifeboat-tmp")).count());
    }

    record Result(int exitCode, String getErrorOutput) {
    }

    private static Result launch(String... args) {
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cli = new CommandLine(new WalFetchCommand());
        cli.setErr(new java.io.PrintWriter(err, true));
        int code = cli.execute(java.util.Arrays.copyOfRange(args, 1, args.length));
        return new Result(code, err.toString());
    }

    private static final java.util.Map<byte[], WalArchive.Encoded> ENCODED = new java.util.IdentityHashMap<>();

    private static String sha(byte[] raw) throws Exception {
        WalArchive.Encoded e = WalArchive.encode(raw, raw.length, Compression.ZSTD, List.of());
        ENCODED.put(raw, e);
        return e.sha256();
    }

    private static void store(Path root, String key, byte[] raw) throws Exception {
        Path file = root.resolve(key);
        Files.createDirectories(file.getParent());
        Files.write(file, ENCODED.get(raw).stored());
    }
}
