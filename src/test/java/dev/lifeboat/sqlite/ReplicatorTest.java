package dev.lifeboat.sqlite;

import dev.lifeboat.store.FileStore;
import dev.lifeboat.store.ObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lifeboat replicates a real SQLite database; Lifeboat and litestream 0.3.13 both restore the result. */
class ReplicatorTest {
    static final Replicator.Settings SMALL = new Replicator.Settings(Duration.ofHours(1), Duration.ofHours(1), 200, 64L << 20);

    @TempDir
    Path dir;

    @Test
    void replicaRestoresWithLifeboatAndLitestreamAcrossCheckpoints() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica/app");
        ObjectStore store = new FileStore(replica);
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, SMALL)) {
            app.insert(0, 50, 300);
            r.sync();
            for (int batch = 1; batch <= 10; batch++) {
                app.insert(batch * 1000, batch * 1000 + 300, 700);
                if (batch % 3 == 0) {
                    app.exec("DELETE FROM t WHERE id % 11 = 0");
                }
                r.sync();
            }
            app.exec("UPDATE t SET payload = randomblob(100) WHERE id % 4 = 0");
            r.sync();
            assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
            assertTrue(r.stats().checkpoints.get() > 0, "checkpoints should have run");
            bothToolsRestore(store, replica, app.fingerprint());
            assertTrue(SqliteFiles.integrityProblems(dir.resolve("litestream.db")).isEmpty());

            var gen = ReplicaCatalog.load(store).generations().values().iterator().next();
            assertTrue(gen.segments().getLast().index() >= 2, "several WAL indexes expected: " + gen.segments());
        }
    }

    /** One sync's burst of incompressible WAL is shipped as several segments that restore as one index. */
    @Test
    void aBurstLargerThanOneSegmentIsShippedInSeveral() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica/app");
        ObjectStore store = new FileStore(replica);
        var noCheckpoints = new Replicator.Settings(Duration.ofHours(1), Duration.ofHours(1), 1_000_000, 1L << 40);
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, noCheckpoints)) {
            app.insert(0, 10, 100);
            r.sync();
            app.insert(10, 3000, 3500); // ~10 MiB of pseudo-random payload in one sync interval
            r.sync();
            assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
            var gen = ReplicaCatalog.load(store).generations().values().iterator().next();
            long inIndex0 = gen.segments().stream().filter(s -> s.index() == 0).count();
            assertTrue(inIndex0 >= 3, "expected the burst in several segments of index 0: " + gen.segments());
            bothToolsRestore(store, replica, app.fingerprint());
        }
    }

    @Test
    void pointInTimeRestoreReturnsTheStateAtThatTime() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = new FileStore(dir.resolve("replica/app"));
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, SMALL)) {
            app.insert(0, 100, 200);
            r.sync();
            app.insert(100, 200, 200);
            r.sync();
            String before = app.fingerprint();
            Thread.sleep(1100); // object times have (at best) millisecond, often second, resolution
            Instant t = Instant.now();
            Thread.sleep(1100);
            app.insert(200, 600, 900);
            app.exec("DELETE FROM t WHERE id < 50");
            r.sync();
            String after = app.fingerprint();
            assertNotEquals(before, after);

            Path atT = dir.resolve("at-t.db");
            new SqliteRestorer(store).restore(new SqliteRestorer.Options(atT, t, null, null));
            assertEquals(before, TestDb.fingerprint(atT));
            Path latest = dir.resolve("latest.db");
            new SqliteRestorer(store).restore(new SqliteRestorer.Options(latest, null, null, null));
            assertEquals(after, TestDb.fingerprint(latest));
        }
    }

    @Test
    void walResetByAnotherProcessStartsANewGenerationNeverACorruptReplica() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = new FileStore(dir.resolve("replica/app"));
        try (TestDb app = new TestDb(db)) {
            try (Replicator r = new Replicator("app", db, store, SMALL)) {
                app.insert(0, 100, 500);
                r.sync();
                // The app checkpoints on its own while Lifeboat holds its read transaction: SQLite refuses to reset.
                app.exec("PRAGMA busy_timeout = 100");
                app.exec("PRAGMA wal_checkpoint(TRUNCATE)");
                app.insert(100, 150, 500);
                r.sync();
                assertEquals(1, r.stats().generations.get());
            }
            // Lifeboat is down: the app checkpoints and resets the WAL, then writes more.
            app.insert(150, 200, 500);
            app.exec("PRAGMA wal_checkpoint(TRUNCATE)");
            app.insert(200, 260, 500);
            String expected = app.fingerprint();
            try (Replicator r = new Replicator("app", db, store, SMALL)) {
                r.sync();
                assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
                assertEquals(1, r.stats().generations.get(), "a reset WAL must start a new generation");
            }
            assertEquals(2, ReplicaCatalog.load(store).generations().size());
            Path out = restoreWithLifeboat(store, expected);
            Path theirs = dir.resolve("litestream.db");
            Litestream.restore(theirs, "file://" + dir.resolve("replica/app").toAbsolutePath());
            assertEquals(expected, TestDb.fingerprint(theirs));
        }
    }

    @Test
    void restartContinuesTheGenerationWhenNothingWasMissed() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = new FileStore(dir.resolve("replica/app"));
        try (TestDb app = new TestDb(db)) {
            replicateRows(db, store, app, 0, 100);
            app.insert(100, 120, 500);
            try (Replicator r = new Replicator("app", db, store, SMALL)) {
                r.sync();
                assertEquals(0, r.stats().generations.get(), "the recorded generation should continue");
                app.insert(120, 140, 500);
                r.sync();
            }
            assertEquals(1, ReplicaCatalog.load(store).generations().size());
            Path out = restoreWithLifeboat(store, app.fingerprint());
            assertTrue(Files.exists(out));
        }
    }

    /**
     * Killed between creating the next WAL index's shadow file and writing its header (a CI run of the SIGKILL test
     * hit this): the restart must start a new generation, never carry on shipping into the old one with a gap.
     */
    @Test
    void aShadowFileWithoutHeaderStartsANewGenerationNeverAGap() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = new FileStore(dir.resolve("replica/app"));
        try (TestDb app = new TestDb(db)) {
            replicateRows(db, store, app, 0, 100);
            String generation = Files.readString(dir.resolve(".app.db-lifeboat/generation")).trim();
            Files.createFile(new ShadowWal(db).file(generation, 1));
            app.insert(100, 150, 500);
            try (Replicator r = new Replicator("app", db, store, SMALL)) {
                r.sync();
                assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
                assertEquals(1, r.stats().generations.get(), "an unreadable shadow WAL cannot be continued from");
                app.insert(150, 170, 500);
                r.sync();
                assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
            }
            restoreWithLifeboat(store, app.fingerprint());
        }
    }

    @Test
    void truncatingAQuietWalContinuesTheGeneration() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica/app");
        ObjectStore store = new FileStore(replica);
        // No PASSIVE checkpoints; TRUNCATE once the WAL passes 256 KiB and nobody wrote to it for a sync interval.
        var settings = new Replicator.Settings(Duration.ofHours(1), Duration.ofHours(1), 1_000_000, 256 << 10);
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, settings)) {
            app.insert(0, 200, 3000);
            r.sync(); // copies: not quiet
            assertTrue(Files.size(SqliteFiles.wal(db)) > 256 << 10);
            r.sync(); // quiet: truncates
            assertEquals(0, Files.size(SqliteFiles.wal(db)), "the quiet WAL should have been truncated");
            app.insert(200, 260, 3000);
            r.sync();
            assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
            assertEquals(1, r.stats().generations.get(), "nothing was committed during the TRUNCATE: same generation");
            assertEquals(1, r.stats().index, "the truncated WAL's next life is the next index");
            bothToolsRestore(store, replica, app.fingerprint());
        }
    }

    @Test
    void aWriterThatNeverPausesStillGetsItsWalRestartedInTheSameGeneration() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica/app");
        ObjectStore store = new FileStore(replica);
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, SMALL)) {
            app.insert(0, 10, 100);
            r.sync();
            BusyWriter writer = new BusyWriter(db, "PRAGMA synchronous=NORMAL");
            // Each sync finds far more than SMALL's checkpoint threshold: every one checkpoints and must see a restart.
            while (r.stats().index < 2 && r.stats().syncs.get() < 200) {
                Thread.sleep(100);
                r.sync();
            }
            assertNull(writer.stop());
            r.sync();
            assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
            assertTrue(r.stats().index >= 2, "the WAL should have restarted under a writer that never pauses, index " + r.stats().index);
            assertEquals(1, r.stats().generations.get(), "restarts after Lifeboat's checkpoints continue the generation");
            assertTrue(r.stats().lastWriterHoldNanos > 0, "the hold of the last checkpoint is reported");
            bothToolsRestore(store, replica, app.fingerprint());
        }
    }

    /**
     * An app in this JVM is not kept out by Lifeboat's checkpointer lock (POSIX locks belong to the process), and one
     * that checkpoints after every commit restarts the WAL whenever it finds it fully checkpointed: also in the
     * moments Lifeboat's checkpoint rounds spend between two reads. Whatever Lifeboat makes of that (the same
     * generation, or new ones), the replica must restore to exactly the app's data.
     */
    @Test
    void anAppThatCheckpointsAfterEveryCommitNeverGetsACorruptReplica() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica/app");
        ObjectStore store = new FileStore(replica);
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, SMALL)) {
            app.insert(0, 10, 100);
            r.sync();
            BusyWriter writer = new BusyWriter(db, "PRAGMA synchronous=NORMAL", "PRAGMA wal_autocheckpoint=1");
            long checkpointsBefore = r.stats().checkpoints.get();
            for (int i = 0; i < 60; i++) {
                Thread.sleep(50);
                r.sync();
            }
            assertNull(writer.stop());
            r.sync();
            assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
            assertTrue(r.stats().checkpoints.get() > checkpointsBefore, "Lifeboat's checkpoints ran meanwhile");
            // Each of Lifeboat's checkpoints should still let the WAL restart (it once grew to gigabytes here).
            assertTrue(r.stats().index >= 3, "the WAL should keep restarting, index " + r.stats().index);
            bothToolsRestore(store, replica, app.fingerprint());
        }
    }

    @Test
    void aSyncNeverRecreatesAVanishedShadowDirectory() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = new FileStore(dir.resolve("replica/app"));
        Path shadowDir = dir.resolve(".app.db-lifeboat");
        try (Replicator r = new Replicator("app", db, store, SMALL)) {
            try (TestDb app = new TestDb(db)) {
                app.insert(0, 100, 500);
                r.sync();
            }
            assertTrue(Files.isDirectory(shadowDir));
            // A lazily unmounted volume, seen from the path: the shadow directory is gone and the app has started a
            // new database file where the old one was (on the machine's root filesystem).
            ShadowWal.deleteTree(shadowDir);
            Files.move(db, dir.resolve("elsewhere.db"));
            Files.deleteIfExists(SqliteFiles.wal(db));
            Files.deleteIfExists(SqliteFiles.shm(db));
            try (TestDb app = new TestDb(db)) {
                app.insert(0, 10, 500);
                r.sync();
                r.sync();
            }
            assertFalse(Files.exists(shadowDir), "a sync must not create the shadow directory");
            assertTrue(r.stats().syncErrors.get() > 0);
            assertTrue(r.stats().lastError.contains("gone"), r.stats().lastError);
        }
        try (Replicator r = new Replicator("app", db, store, SMALL)) {
            r.sync(); // replication starts again: now it may
            assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
            assertTrue(Files.isDirectory(shadowDir));
        }
    }

    @Test
    void aQuietDatabaseIsCheckpointedOnceNotAtEverySync() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = new FileStore(dir.resolve("replica/app"));
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, SMALL)) {
            app.insert(0, 400, 3000); // past SMALL's checkpoint threshold, far below its TRUNCATE size
            r.sync();
            long checkpoints = r.stats().checkpoints.get();
            assertTrue(checkpoints > 0);
            for (int i = 0; i < 3; i++) {
                r.sync(); // the app wrote nothing since: its WAL is checkpointed already and not restarted yet
            }
            assertEquals(checkpoints, r.stats().checkpoints.get());
            assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
        }
    }

    /** While it replicates, Lifeboat holds SQLite's checkpointer lock (taken again after its own checkpoints): another process's checkpoint reports busy. */
    @Test
    void theAppsCheckpointsWaitWhileTheReplicatorRunsAndResumeAfterIt() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = new FileStore(dir.resolve("replica/app"));
        try (TestDb app = new TestDb(db)) {
            app.insert(0, 50, 500);
            try (Replicator r = new Replicator("app", db, store, SMALL)) {
                r.sync();
                assertEquals("1", otherProcessCheckpoint(db).split("\\|")[0], "busy while the replicator holds the lock");
                app.insert(50, 400, 3000); // past SMALL's 200 pages: the replicator checkpoints itself
                r.sync();
                assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
                assertTrue(r.stats().checkpoints.get() > 0, "Lifeboat's own checkpoints still run");
                assertEquals("1", otherProcessCheckpoint(db).split("\\|")[0], "taken again after Lifeboat's checkpoint");
            }
            assertEquals("0", otherProcessCheckpoint(db).split("\\|")[0], "released when the replicator closes");
        }
    }

    /** An app thread committing single-row inserts (rows 10, 11, ...) back to back, after {@code pragmas}, until stopped. */
    private static final class BusyWriter {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final Thread thread;

        BusyWriter(Path db, String... pragmas) {
            thread = new Thread(() -> {
                try (TestDb w = new TestDb(db)) {
                    for (String pragma : pragmas) {
                        w.exec(pragma);
                    }
                    for (int i = 10; !stop.get(); i++) {
                        w.insert(i, i + 1, 300);
                    }
                } catch (Exception e) {
                    failure.set(e);
                }
            }, "busy-writer");
            thread.start();
        }

        /** Stops the writer and waits for it; returns what made it fail, or null. */
        Exception stop() throws InterruptedException {
            stop.set(true);
            thread.join();
            return failure.get();
        }
    }

    /** Runs {@code PRAGMA wal_checkpoint(PASSIVE)} in the sqlite3 program; returns its "busy|log|checkpointed" line. */
    private static String otherProcessCheckpoint(Path db) throws Exception {
        Process p = new ProcessBuilder("sqlite3", db.toString(), "PRAGMA wal_checkpoint(PASSIVE);").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /** Inserts rows {@code [from, to)} and ships them with a replicator that is closed again (as a stopped agent). */
    private static void replicateRows(Path db, ObjectStore store, TestDb app, int from, int to) throws Exception {
        try (Replicator r = new Replicator("app", db, store, SMALL)) {
            app.insert(from, to, 500);
            r.sync();
        }
    }

    /** Restores the newest state with Lifeboat into {@code restored.db}, which must hold {@code expected}. */
    private Path restoreWithLifeboat(ObjectStore store, String expected) throws Exception {
        Path out = dir.resolve("restored.db");
        new SqliteRestorer(store).restore(new SqliteRestorer.Options(out, null, null, null));
        assertEquals(expected, TestDb.fingerprint(out));
        return out;
    }

    /** Lifeboat and litestream 0.3.13 both restore the replica to exactly {@code expected}. */
    private void bothToolsRestore(ObjectStore store, Path replica, String expected) throws Exception {
        Path mine = dir.resolve("lifeboat.db");
        new SqliteRestorer(store).restore(new SqliteRestorer.Options(mine, null, null, null));
        assertEquals(expected, TestDb.fingerprint(mine));
        Path theirs = dir.resolve("litestream.db");
        Litestream.restore(theirs, "file://" + replica.toAbsolutePath());
        assertEquals(expected, TestDb.fingerprint(theirs));
    }
}
