package dev.lifeboat.sqlite;

import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.testing.LogCapture;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An object-store outage while replication syncs every 100 ms: the log holds the first failure and the recovery, not
 * a line per failed sync (which buried the first one), and the replica catches up with nothing missing.
 */
class SyncOutageLogTest {
    @TempDir
    Path dir;

    @Test
    void anOutageLogsItsFirstFailureAndItsRecoveryNotEverySync() throws Exception {
        S3ProxyServer s3 = S3ProxyServer.start();
        s3.createBucket("replicas");
        Path db = dir.resolve("app.db");
        var config = TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "replicas", "outage")
                + "databases:\n  app:\n    type: sqlite\n    path: " + db + "\n    destination: s3\n");
        try (LogCapture log = LogCapture.of(Replicator.class); ObjectStore store = SqliteRestoreService.storeFor(config, "app"); TestDb app = new TestDb(db);
             Replicator r = new Replicator("app", db, store, ReplicatorTest.SMALL);
             ScheduledExecutorService syncing = Executors.newSingleThreadScheduledExecutor()) { // closed first: no sync after the replicator's close
            app.insert(0, 200, 300);
            syncing.scheduleWithFixedDelay(r::sync, 0, 100, TimeUnit.MILLISECONDS);
            awaitSyncs(r, 3);
            assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);

            s3.stop();
            for (int batch = 1; r.stats().syncErrors.get() < 20 && batch < 600; batch++) {
                app.insert(batch * 1000, batch * 1000 + 20, 300); // committed while the destination is down
                Thread.sleep(50);
            }
            assertTrue(r.stats().syncErrors.get() >= 20, "the outage should fail sync after sync: " + r.stats().syncErrors.get());
            s3 = S3ProxyServer.start(s3.dataDir(), s3.port());
            app.insert(900_000, 900_100, 300);
            long errors = r.stats().syncErrors.get();
            long syncs = r.stats().syncs.get();
            awaitSyncs(r, syncs + 3);
            syncing.shutdown();
            assertTrue(syncing.awaitTermination(60, TimeUnit.SECONDS));
            r.sync(); // everything committed so far is shipped now

            List<String> failed = log.lines(Level.WARNING, "sync failed");
            List<String> recovered = log.lines(Level.INFO, "recovered");
            assertTrue(failed.size() >= 1 && failed.size() <= 2, "the first failure and at most one line a minute, not one per failed sync ("
                    + errors + "): " + failed);
            assertTrue(failed.getFirst().contains("sqlite app: sync failed"), failed.getFirst());
            assertEquals(1, recovered.size(), "one line for the recovery: " + recovered);
            assertTrue(recovered.getFirst().contains("sqlite app: sync recovered after"), recovered.getFirst());

            Path restored = dir.resolve("restored.db");
            new SqliteRestorer(store).restore(new SqliteRestorer.Options(restored, null, null, null));
            assertEquals(app.fingerprint(), TestDb.fingerprint(restored), "every row committed during and after the outage is in the replica");
        } finally {
            s3.close();
        }
    }

    private static void awaitSyncs(Replicator r, long atLeast) throws InterruptedException {
        for (int i = 0; i < 600 && r.stats().syncs.get() < atLeast; i++) {
            Thread.sleep(100);
        }
        assertTrue(r.stats().syncs.get() >= atLeast, "expected " + atLeast + " syncs: " + r.stats().status());
    }
}
