package dev.lifeboat.sqlite;

import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Both directions of interoperability with litestream 0.3.13 through a real S3 API (S3Proxy). */
class S3InteropTest {
    static S3ProxyServer s3;

    @TempDir
    Path dir;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket("replicas");
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    private ObjectStore store(String prefix, String database, Path db) throws Exception {
        var config = TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "replicas", prefix)
                + "databases:\n  " + database + ":\n    type: sqlite\n    path: " + db + "\n    destination: s3\n");
        return SqliteRestoreService.storeFor(config, database);
    }

    @Test
    void litestreamRestoresWhatLifeboatShippedToS3() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = store("lb", "app", db);
        String expected;
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, ReplicatorTest.SMALL)) {
            for (int batch = 0; batch < 6; batch++) {
                app.insert(batch * 1000, batch * 1000 + 250, 800);
                r.sync();
            }
            expected = app.fingerprint();
            assertEquals(0, r.stats().syncErrors.get(), r.stats().lastError);
        }
        Path cfg = Litestream.s3Config(dir, db, s3.endpoint(), "replicas", "lb/app", S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
        Path theirs = dir.resolve("litestream.db");
        Litestream.restoreWithConfig(cfg, theirs, db);
        assertEquals(expected, TestDb.fingerprint(theirs));
        Path mine = dir.resolve("lifeboat.db");
        new SqliteRestorer(store).restore(new SqliteRestorer.Options(mine, null, null, null));
        assertEquals(expected, TestDb.fingerprint(mine));
    }

    @Test
    void lifeboatRestoresWhatLitestreamShippedToS3() throws Exception {
        Path db = dir.resolve("other.db");
        ObjectStore store = store("ls", "other", db);
        Path cfg = Litestream.s3Config(dir, db, s3.endpoint(), "replicas", "ls/other", S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
        try (TestDb app = new TestDb(db); Litestream ls = Litestream.replicate(cfg)) {
            app.insert(0, 100, 400);
            for (int batch = 1; batch <= 5; batch++) {
                app.insert(batch * 1000, batch * 1000 + 400, 900);
            }
            app.exec("DELETE FROM t WHERE id % 3 = 0");
            String expected = app.fingerprint();
            Path out = dir.resolve("restored.db");
            String got = LitestreamInteropTest.eventually(() -> {
                try {
                    Files.deleteIfExists(out);
                    new SqliteRestorer(store).restore(new SqliteRestorer.Options(out, null, null, null));
                    return TestDb.fingerprint(out);
                } catch (Exception e) {
                    return "error: " + e;
                }
            }, expected, ls);
            assertEquals(expected, got);
        }
    }
}
