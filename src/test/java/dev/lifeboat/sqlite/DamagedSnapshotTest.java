package dev.lifeboat.sqlite;

import dev.lifeboat.store.FileStore;
import dev.lifeboat.store.ObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A snapshot or a large WAL segment damaged in the bucket fails the restore with a message naming the object, and
 * leaves nothing behind: no database at the target, no temporary file, no decoder thread. Undamaged, they restore.
 */
class DamagedSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void aFlippedByteInTheSnapshotFailsTheRestoreAndLeavesNothingInPlace() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica/app");
        ObjectStore store = new FileStore(replica);
        String fingerprint;
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, ReplicatorTest.SMALL)) {
            app.insert(0, 3000, 1000); // a few MB: many LZ4 blocks
            r.sync();
            fingerprint = app.fingerprint();
        }
        Path snapshot;
        try (Stream<Path> s = Files.walk(replica)) {
            snapshot = s.filter(f -> f.toString().endsWith(".snapshot.lz4")).findFirst().orElseThrow();
        }
        byte[] good = Files.readAllBytes(snapshot);
        Path target = dir.resolve("restored/app.db");
        for (int at : new int[]{good.length / 3, good.length - 2}) {
            Files.write(snapshot, damaged(good, at));
            assertRestoreFailsLeavingNothing(store, target, "cannot restore snapshot generations/");
        }
        Files.write(snapshot, good);
        new SqliteRestorer(store).restore(new SqliteRestorer.Options(target, null, null, null));
        try (TestDb restored = new TestDb(target)) {
            assertEquals(fingerprint, restored.fingerprint());
        }
    }

    @Test
    void aLargeWalSegmentIsDecodedInParallelAndItsDamageFailsTheRestore() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica/app");
        ObjectStore store = new FileStore(replica);
        String fingerprint;
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, ReplicatorTest.SMALL)) {
            app.insert(0, 100, 1000);
            r.sync();
            app.insert(100, 3100, 1000); // about 3 MB of WAL after the snapshot
            r.sync();
            fingerprint = app.fingerprint();
        }
        var segments = ReplicaCatalog.load(store).generations().values().iterator().next().segments();
        var large = segments.stream().filter(s -> s.size() >= SqliteRestorer.PARALLEL_DECODE_FROM).findFirst()
                .orElseThrow(() -> new AssertionError("no segment large enough for the parallel decoder: " + segments));
        Path target = dir.resolve("restored/app.db");
        new SqliteRestorer(store).restore(new SqliteRestorer.Options(target, null, null, null));
        try (TestDb restored = new TestDb(target)) {
            assertEquals(fingerprint, restored.fingerprint());
        }
        Files.delete(target);

        Path object = replica.resolve(ReplicaLayout.segmentKey(large.generation(), large.index(), large.offset()));
        byte[] good = Files.readAllBytes(object);
        Files.write(object, damaged(good, good.length / 2));
        assertRestoreFailsLeavingNothing(store, target, "cannot restore WAL segment generations/");
    }

    /**
     * {@code bytes} with 4 bytes inverted from {@code at} (or up to the end): one flipped bit inside a compressed block
     * can land in a match offset over zeros and decode to the same bytes; four inverted bytes practically never do.
     */
    private static byte[] damaged(byte[] bytes, int at) {
        byte[] bad = bytes.clone();
        for (int i = at; i < Math.min(bad.length, at + 4); i++) {
            bad[i] ^= (byte) 0xff;
        }
        return bad;
    }

    /** The restore fails naming the object, puts nothing in place, leaves no temporary file and no decoder thread. */
    private static void assertRestoreFailsLeavingNothing(ObjectStore store, Path target, String messageStart) throws IOException {
        IOException e = assertThrows(IOException.class,
                () -> new SqliteRestorer(store).restore(new SqliteRestorer.Options(target, null, null, null)));
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
        assertTrue(e.getMessage().contains("the object is damaged"), e.getMessage());
        assertFalse(Files.exists(target), "nothing may be put in place");
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertEquals(List.of(), s.toList(), "no temporary file may be left");
        }
        // The threads a restore starts (decoders, flush, fsync); an agent a Quarkus test started earlier in this JVM
        // may still replicate on its own lifeboat-sqlite threads.
        assertEquals(List.of(), Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName).filter(n -> n.startsWith("lifeboat-restore-") || n.startsWith("lifeboat-lz4-")).toList());
    }
}
