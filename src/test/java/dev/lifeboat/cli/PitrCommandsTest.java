package dev.lifeboat.cli;

import dev.lifeboat.catalog.ManifestCodec;
import dev.lifeboat.pitr.BaseBackupManifest;
import dev.lifeboat.pitr.PitrLayout;
import dev.lifeboat.pitr.WalArchive;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code list --pitr}, {@code prune --pitr [--dry-run]} and the usage checks of {@code restore --pitr}, on a file:
 * destination holding two base backups (ten and three days old) and WAL before, between and after them, with
 * {@code retention: {period: 1d, keep-base-backups: 1}}: the old base backup goes with the WAL only it needed; the
 * dry run says why each kept object stays and deletes nothing.
 */
@QuarkusMainTest
class PitrCommandsTest {
    private static final long SEGMENT = 16L << 20;

    static BaseBackupManifest manifest(String id, Instant consistentAt, String startLsn, String startFile) {
        return new BaseBackupManifest(1, id, "shop", consistentAt.minusSeconds(60), consistentAt, consistentAt, startLsn, startLsn, 1, startFile,
                "7", "lifeboat " + id, "", List.of("pg_default", "pg_global"),
                List.of(new BaseBackupManifest.StoredObject("base.tar", PitrLayout.baseDataKey(id, "base.tar", Compression.ZSTD, false), 10, 10, "0".repeat(64))),
                "zstd", null, "15.18", "15.18", SEGMENT);
    }

    static void put(Path root, String key, byte[] content) throws Exception {
        Path file = root.resolve(key);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
    }

    static String segment(Path root, String name) throws Exception {
        byte[] raw = new byte[(int) SEGMENT];
        raw[0] = 1;
        WalArchive.Encoded e = WalArchive.encode(raw, raw.length, Compression.ZSTD, List.of());
        String key = PitrLayout.walKey(name, e.sha256(), Compression.ZSTD, false);
        put(root, key, e.stored());
        return key;
    }

    @Test
    void listAndPruneByRecordedTime(QuarkusMainLauncher launcher) throws Exception {
        Path dir = Files.createTempDirectory("lifeboat-pitr-cli");
        try {
            run(launcher, dir);
        } finally {
            dev.lifeboat.testing.ExternalProcess.run(List.of("rm", "-rf", dir.toString()), java.time.Duration.ofSeconds(30));
        }
    }

    private static void run(QuarkusMainLauncher launcher, Path dir) throws Exception {
        Path root = dir.resolve("dest/shop");
        Path config = TestConfigs.write(dir, """
                destinations: {local: {url: "file://%s/dest"}}
                databases:
                  shop:
                    type: postgres
                    url: "postgres://postgres@127.0.0.1:1/shop"
                    destination: local
                    pitr: {enabled: true, retention: {period: 1d, keep-base-backups: 1}}
                """.formatted(dir));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        BaseBackupManifest old = manifest("20261120T000000Z", now.minus(10, ChronoUnit.DAYS), "0/2000028", "000000010000000000000002");
        BaseBackupManifest anchor = manifest("20261127T000000Z", now.minus(3, ChronoUnit.DAYS), "0/5000028", "000000010000000000000005");
        for (BaseBackupManifest m : List.of(old, anchor)) {
            put(root, m.objects().getFirst().key(), new byte[10]);
            put(root, PitrLayout.baseManifestKey(m.id()), ManifestCodec.encodeValue(m));
        }
        String before = segment(root, "000000010000000000000002");
        String gap = segment(root, "000000010000000000000004");
        String needed = segment(root, "000000010000000000000005");
        String after = segment(root, "000000010000000000000006");

        LaunchResult list = launcher.launch("list", "shop", "--pitr", "--config", config.toString());
        assertEquals(0, list.exitCode(), list.getErrorOutput());
        assertTrue(list.getOutput().contains(old.id()) && list.getOutput().contains(anchor.id()), list.getOutput());
        assertTrue(list.getOutput().contains("restorable: any moment from " + old.consistentAt()), list.getOutput());

        LaunchResult dry = launcher.launch("prune", "shop", "--pitr", "--dry-run", "--config", config.toString());
        assertEquals(0, dry.exitCode(), dry.getErrorOutput());
        String out = dry.getOutput();
        assertTrue(out.contains("keep    base backup " + anchor.id()) && out.contains("newest 1 (pitr.retention.keep-base-backups)")
                && out.contains("restores to the start of the retention window"), out);
        assertTrue(out.contains("would delete  base backup " + old.id()), out);
        assertTrue(out.contains("keep    " + needed + "  (needed by base backup " + anchor.id()) && out.contains("keep    " + after), out);
        assertTrue(out.contains("would delete  " + before) && out.contains("would delete  " + gap), out);
        assertTrue(Files.exists(root.resolve(before)) && Files.exists(root.resolve(PitrLayout.baseManifestKey(old.id()))), "dry run deletes nothing");

        LaunchResult prune = launcher.launch("prune", "shop", "--pitr", "--config", config.toString());
        assertEquals(0, prune.exitCode(), prune.getErrorOutput());
        assertTrue(Files.notExists(root.resolve(before)) && Files.notExists(root.resolve(gap)));
        assertTrue(Files.notExists(root.resolve(PitrLayout.baseManifestKey(old.id()))) && Files.notExists(root.resolve(old.objects().getFirst().key())));
        assertTrue(Files.exists(root.resolve(needed)) && Files.exists(root.resolve(after)) && Files.exists(root.resolve(PitrLayout.baseManifestKey(anchor.id()))));

        LaunchResult noTarget = launcher.launch("restore", "shop", "--pitr", "--to-dir", dir.resolve("pgdata").toString(), "--config", config.toString());
        assertEquals(2, noTarget.exitCode());
        assertTrue(noTarget.getErrorOutput().contains("exactly one of --at TIME, --lsn LSN or --latest"), noTarget.getErrorOutput());
    }
}
