package dev.lifeboat.volume;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One check at a time against real mounts (tmpfs, remount,ro, bind mounts, umount); needs root. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VolumeMountsTest {
    private final Mounts mounts = new Mounts();
    private Path base;

    @BeforeAll
    void setUp() throws IOException {
        Mounts.assumeCanMount();
        base = Files.createTempDirectory("lifeboat-volumes");
    }

    @AfterAll
    void tearDown() throws IOException {
        mounts.close();
        if (base != null) {
            try (Stream<Path> all = Files.walk(base)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static LifeboatConfig config(String yaml) {
        return new ConfigLoader(Map.of()).parse(Path.of("test.yml"), yaml);
    }

    private static VolumeReport check(LifeboatConfig config, String volume) {
        return new VolumeChecker(volume, config, null, null).check(1, true);
    }

    @Test
    void aTmpfsIsAVolumeAPlainDirectoryIsNot() throws IOException {
        Path vol = base.resolve("tmpfs");
        Path plain = Files.createDirectories(base.resolve("plain"));
        mounts.tmpfs(vol, "size=16m");
        LifeboatConfig config = config("""
                volumes:
                  data: {path: %s, fs-type: tmpfs, min-size: 8MiB}
                  plain: {path: %s}
                """.formatted(vol, plain));

        VolumeReport ok = check(config, "data");
        assertTrue(ok.healthy(), ok.failing().toString());
        assertEquals(Boolean.TRUE, ok.mounted());
        assertEquals("tmpfs", ok.fsType());
        assertEquals(16L << 20, ok.totalBytes());
        assertNotNull(ok.fsyncLatency());
        assertTrue(ok.freeInodes() > 0, "inodes come from stat --file-system");
        try (Stream<Path> left = Files.list(vol)) {
            assertEquals(0, left.count(), "the probe deletes its file");
        }

        VolumeReport bad = check(config, "plain");
        assertEquals(Boolean.FALSE, bad.mounted());
        assertTrue(bad.has(Condition.Kind.NOT_MOUNTED), bad.failing().toString());
        String notMounted = Reasons.of(bad, Condition.Kind.NOT_MOUNTED);
        assertTrue(notMounted.contains("root filesystem") && notMounted.contains("fly.toml [mounts]"), notMounted);
        assertTrue(bad.blocksWrites());
        UserFacingException refused = assertThrows(UserFacingException.class,
                () -> VolumeGuard.of(config).requireMounted(plain.resolve("app.db")));
        assertTrue(refused.getMessage().contains("not_mounted") && refused.getMessage().contains("fly.toml [mounts]"), refused.getMessage());
        VolumeGuard.of(config).requireMounted(vol.resolve("app.db"));
        VolumeGuard.of(config).requireMounted(base.resolve("elsewhere.db")); // no volume covers it: nothing to require
    }

    @Test
    void wrongFilesystemTypeAndBindMountOfTheRootDisk() throws IOException {
        Path vol = base.resolve("typed");
        mounts.tmpfs(vol, "size=4m");
        Path source = Files.createDirectories(base.resolve("bind-source"));
        Path bound = Files.createDirectories(base.resolve("bound"));
        Mounts.run("mount", "--bind", source.toString(), bound.toString());
        try {
            LifeboatConfig config = config("""
                    volumes:
                      typed: {path: %s, fs-type: ext4}
                      bound: {path: %s}
                    """.formatted(vol, bound));
            VolumeReport typed = check(config, "typed");
            assertTrue(typed.has(Condition.Kind.WRONG_FS_TYPE), typed.failing().toString());
            VolumeReport bind = check(config, "bound");
            assertTrue(bind.has(Condition.Kind.NOT_MOUNTED), bind.failing().toString());
            assertTrue(Reasons.of(bind, Condition.Kind.NOT_MOUNTED).contains("bind mount"), bind.failing().toString());
        } finally {
            Mounts.run("umount", bound.toString());
        }
    }

    @Test
    void readOnlyRemountIsCaughtAndTheGuardRefuses() throws IOException {
        Path vol = base.resolve("ro");
        mounts.tmpfs(vol, "size=4m");
        LifeboatConfig config = config("""
                volumes:
                  ro: {path: %s}
                """.formatted(vol));
        assertTrue(check(config, "ro").healthy());
        mounts.remountReadOnly(vol);
        VolumeReport report = check(config, "ro");
        assertEquals(Boolean.TRUE, report.readOnly());
        assertTrue(report.has(Condition.Kind.READ_ONLY), report.failing().toString());
        UserFacingException refused = assertThrows(UserFacingException.class,
                () -> VolumeGuard.of(config).requireMounted(vol.resolve("app.db")));
        assertTrue(refused.getMessage().contains("read_only"), refused.getMessage());
    }

    @Test
    void aSmallTmpfsFilledPastTheThresholds() throws IOException {
        Path vol = base.resolve("small");
        mounts.tmpfs(vol, "size=16m,nr_inodes=200");
        LifeboatConfig config = config("""
                volumes:
                  small: {path: %s, min-free: 50%%, min-free-inodes: 100}
                """.formatted(vol));
        assertTrue(check(config, "small").healthy());
        try (OutputStream out = Files.newOutputStream(vol.resolve("big"))) {
            out.write(new byte[10 << 20]);
        }
        VolumeReport full = check(config, "small");
        assertTrue(full.has(Condition.Kind.LOW_SPACE), full.failing().toString());
        assertFalse(full.has(Condition.Kind.LOW_INODES));
        assertTrue(full.freeBytes() < 8L << 20);
        assertFalse(full.blocksWrites(), "low space is alerted on, not a reason to refuse replication");
        VolumeGuard.of(config).requireMounted(vol.resolve("app.db"));

        for (int i = 0; i < 120; i++) {
            Files.createFile(vol.resolve("f" + i));
        }
        VolumeReport inodes = check(config, "small");
        assertTrue(inodes.has(Condition.Kind.LOW_INODES), inodes.failing().toString());
    }

    @Test
    void aMountRemovedUnderASubdirectoryPathIsENOENT() throws IOException {
        Path mountPoint = base.resolve("vanishing");
        mounts.tmpfs(mountPoint, "size=4m");
        Path data = Files.createDirectories(mountPoint.resolve("app"));
        LifeboatConfig config = config("""
                destinations: {local: {url: "file://%1$s/replica"}}
                databases:
                  app: {type: sqlite, path: %2$s/app.db, destination: local}
                volumes:
                  data: {path: %2$s}
                """.formatted(base, data));
        VolumeChecker checker = new VolumeChecker("data", config, null, null);
        VolumeReport before = checker.check(1, true);
        assertTrue(before.healthy(), before.failing().toString());
        assertEquals(Path.of(before.mountPoint()), mountPoint, "a subdirectory of a mount is on that mount");
        assertEquals(java.util.List.of("app"), before.databases());

        mounts.umount(mountPoint);
        VolumeReport after = checker.check(2, true);
        assertTrue(after.has(Condition.Kind.PATH_MISSING), after.failing().toString());
        assertTrue(Reasons.of(after, Condition.Kind.PATH_MISSING).contains("ENOENT"), after.failing().toString());
        UserFacingException refused = assertThrows(UserFacingException.class,
                () -> VolumeGuard.of(config).requireMounted(data.resolve("app.db")));
        assertTrue(refused.getMessage().contains("path_missing") && refused.getMessage().contains("fly.toml [mounts]"), refused.getMessage());
    }

    @Test
    void databaseFilesOutsideTheVolume() throws IOException {
        Path vol = base.resolve("dbvol");
        mounts.tmpfs(vol, "size=4m");
        Path outside = Files.createDirectories(base.resolve("outside"));
        Files.createFile(outside.resolve("linked.db"));
        Files.createSymbolicLink(vol.resolve("linked.db"), outside.resolve("linked.db"));
        LifeboatConfig config = config("""
                destinations: {local: {url: "file://%1$s/replica"}}
                databases:
                  inside: {type: sqlite, path: %2$s/inside.db, destination: local}
                  stray: {type: sqlite, path: %3$s/stray.db, destination: local}
                  linked: {type: sqlite, path: %2$s/linked.db, destination: local}
                volumes:
                  data: {path: %2$s, databases: [inside, stray, linked]}
                """.formatted(base, vol, outside));
        VolumeReport report = check(config, "data");
        var off = report.failing().stream().filter(c -> c.kind() == Condition.Kind.DATABASE_OFF_VOLUME).toList();
        assertEquals(2, off.size(), report.failing().toString());
        assertTrue(off.stream().anyMatch(c -> c.reason().contains("'stray'") && c.reason().contains("outside volume")), off.toString());
        assertTrue(off.stream().anyMatch(c -> c.reason().contains("'linked'") && c.reason().contains("resolves to")), off.toString());

        VolumeGuard guard = VolumeGuard.of(config);
        guard.requireMounted(vol.resolve("inside.db"));
        assertThrows(UserFacingException.class, () -> guard.requireMounted(outside.resolve("stray.db")));
        assertThrows(UserFacingException.class, () -> guard.requireMounted(vol.resolve("linked.db")));
    }
}
