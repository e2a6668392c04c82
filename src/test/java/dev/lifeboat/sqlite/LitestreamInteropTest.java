package dev.lifeboat.sqlite;

import dev.lifeboat.store.FileStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real litestream 0.3.13 writes a replica; Lifeboat must restore it exactly. */
class LitestreamInteropTest {

    @TempDir
    Path dir;

    @Test
    void lifeboatRestoresWhatLitestreamWrote() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica/app");
        String expected;
        try (TestDb app = new TestDb(db); Litestream ls = Litestream.replicate(Litestream.fileConfig(dir, db, replica))) {
            app.insert(0, 100, 500);
            awaitSnapshot(replica);
            // Enough pages, paced over several syncs, to make litestream checkpoint and start further WAL indexes.
            for (int batch = 1; batch <= 12; batch++) {
                app.insert(batch * 1000, batch * 1000 + 800, 1000);
                Thread.sleep(250);
            }
            app.exec("DELETE FROM t WHERE id % 7 = 0");
            app.exec("UPDATE t SET payload = randomblob(300) WHERE id % 5 = 0");
            expected = app.fingerprint();
            String want = expected;
            String got = eventually(() -> restoreFingerprint(replica, dir.resolve("probe.db")), want, ls);
            assertEquals(expected, got);
        }
        var catalog = ReplicaCatalog.load(new FileStore(replica));
        // Any generation will do (generations are named at random: should litestream start a second one, the first
        // by name need not be the long one).
        int maxIndex = catalog.generations().values().stream().flatMap(g -> g.segments().stream())
                .mapToInt(ReplicaLayout.Segment::index).max().orElse(0);
        assertTrue(maxIndex >= 1, "workload should span several WAL indexes: " + catalog.generations());
    }

    static void awaitSnapshot(Path replica) throws Exception {
        for (int i = 0; i < 300 && (!Files.isDirectory(replica) || ReplicaCatalog.load(new FileStore(replica)).isEmpty()); i++) {
            Thread.sleep(100);
        }
    }

    private String restoreFingerprint(Path replica, Path out) {
        try {
            Files.deleteIfExists(out);
            new SqliteRestorer(new FileStore(replica)).restore(new SqliteRestorer.Options(out, null, null, null));
            return TestDb.fingerprint(out);
        } catch (Exception e) {
            return "error: " + e;
        }
    }

    /** Polls until the replica catches up (replication is asynchronous); the comparison itself is exact. */
    static String eventually(Supplier<String> probe, String want, Litestream ls) throws Exception {
        String got = null;
        for (int i = 0; i < 300; i++) {
            got = probe.get();
            if (want.equals(got)) {
                return got;
            }
            Thread.sleep(200);
        }
        return got + (ls != null ? "\nlitestream log:\n" + ls.log() : "");
    }
}
