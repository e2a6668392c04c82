package dev.lifeboat.sqlite;

import dev.lifeboat.store.FileStore;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.stream.age.AgeIdentity;
import dev.lifeboat.testing.ExternalProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** age-encrypted replicas as litestream 0.3.10+ writes them: LZ4 then age. Both tools restore Lifeboat's. */
class EncryptedReplicaTest {
    @TempDir
    Path dir;

    @Test
    void encryptedReplicaRestoresWithTheIdentityInLifeboatAndLitestream() throws Exception {
        AgeIdentity id = AgeIdentity.generate();
        ReplicaCodec codec = new ReplicaCodec(List.of(id.recipient()), List.of(id));
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica/app");
        ObjectStore store = new FileStore(replica);
        String expected;
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, ReplicatorTest.SMALL, codec)) {
            for (int batch = 0; batch < 4; batch++) {
                app.insert(batch * 1000, batch * 1000 + 200, 600);
                r.sync();
            }
            expected = app.fingerprint();
        }
        var gen = ReplicaCatalog.load(store).generations().values().iterator().next();
        try (InputStream in = store.get(ReplicaLayout.snapshotKey(gen.name(), gen.snapshots().getFirst().index()))) {
            assertTrue(new String(in.readNBytes(21), StandardCharsets.US_ASCII).equals("age-encryption.org/v1"), "objects must be age files");
        }
        Path mine = dir.resolve("mine.db");
        new SqliteRestorer(store, codec).restore(new SqliteRestorer.Options(mine, null, null, null));
        assertEquals(expected, TestDb.fingerprint(mine));

        Path cfg = dir.resolve("litestream.yml");
        Files.writeString(cfg, "dbs:\n  - path: " + db + "\n    replicas:\n      - type: file\n        path: " + replica
                + "\n        age:\n          identities: [\"" + id.encodeSecret() + "\"]\n          recipients: [\"" + id.recipient().encoded() + "\"]\n");
        Path theirs = dir.resolve("theirs.db");
        ExternalProcess.run(List.of(Litestream.binary().toString(), "restore", "-config", cfg.toString(), "-o", theirs.toString(), db.toString()),
                Duration.ofMinutes(2));
        assertEquals(expected, TestDb.fingerprint(theirs));

        var e = assertThrows(java.io.IOException.class,
                () -> new SqliteRestorer(store).restore(new SqliteRestorer.Options(dir.resolve("no-key.db"), null, null, null)));
        assertTrue(e.getMessage().contains("identity-files"), e.getMessage());
    }
}
