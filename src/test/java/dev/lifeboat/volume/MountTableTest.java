package dev.lifeboat.volume;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MountTableTest {
    // Shaped like a Fly machine: root on /dev/vda, the volume on /dev/vdb, plus a bind mount of a root-disk directory.
    static final String FLY = """
            22 27 0:21 / /proc rw,relatime - proc proc rw
            27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
            50 27 254:16 / /data rw,relatime shared:1 - ext4 /dev/vdb rw
            51 27 254:0 /srv/fake /fake rw,relatime - ext4 /dev/vda rw,discard
            52 27 0:40 / /mnt/with\\040space ro,nosuid - tmpfs tmpfs rw,size=16384k
            53 27 254:32 / /stacked rw - ext4 /dev/vdc rw
            54 27 254:48 / /stacked rw - xfs /dev/vdd ro
            garbage line
            """;

    @Test
    void parsesFieldsAndEscapes() {
        MountTable t = MountTable.parse(FLY);
        assertEquals(7, t.mounts().size(), "malformed lines are skipped");
        MountTable.Mount data = t.covering(Path.of("/data")).orElseThrow();
        assertEquals("254:16", data.device());
        assertEquals("ext4", data.fsType());
        assertEquals("/dev/vdb", data.source());
        assertFalse(data.readOnly());
        MountTable.Mount spaced = t.covering(Path.of("/mnt/with space/x")).orElseThrow();
        assertEquals(Path.of("/mnt/with space"), spaced.mountPoint());
        assertTrue(spaced.readOnly(), "per-mount ro counts");
    }

    @Test
    void subdirectoryOfAMountIsCoveredByIt() {
        MountTable t = MountTable.parse(FLY);
        assertEquals(Path.of("/data"), t.covering(Path.of("/data/app/db")).orElseThrow().mountPoint());
        assertEquals(Path.of("/"), t.covering(Path.of("/database")).orElseThrow().mountPoint(), "path components, not string prefixes");
        assertTrue(t.notDistinctFromRoot(t.covering(Path.of("/data/app")).orElseThrow()).isEmpty());
    }

    @Test
    void rootDirectoriesAndBindMountsOfTheRootDeviceAreNotVolumes() {
        MountTable t = MountTable.parse(FLY);
        String plain = t.notDistinctFromRoot(t.covering(Path.of("/var/lib/app")).orElseThrow()).orElseThrow();
        assertTrue(plain.contains("directory on the root filesystem"), plain);
        String bind = t.notDistinctFromRoot(t.covering(Path.of("/fake/db")).orElseThrow()).orElseThrow();
        assertTrue(bind.contains("bind mount of /srv/fake"), bind);
    }

    @Test
    void theLastOfStackedMountsWins() {
        MountTable t = MountTable.parse(FLY);
        MountTable.Mount top = t.covering(Path.of("/stacked/x")).orElseThrow();
        assertEquals("xfs", top.fsType());
        assertTrue(top.readOnly(), "super options ro counts");
    }

    @Test
    void readsThisProcessesMountTable() throws Exception {
        MountTable t = MountTable.read();
        assertTrue(t.root().isPresent());
        assertTrue(t.notDistinctFromRoot(t.root().get()).isPresent());
    }
}
