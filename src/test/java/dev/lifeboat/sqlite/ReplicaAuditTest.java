package dev.lifeboat.sqlite;

import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.store.FileStore;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replica audit against a real replica in a real {@code file:} destination: it proves a replicating database
 * restorable with one listing, and finds a wiped replica, a lost segment in the middle of the chain and a truncated
 * object, which the replicator's own state would never notice. A new generation repairs the replica.
 */
class ReplicaAuditTest {
    static final Replicator.Settings SMALL = new Replicator.Settings(Duration.ofHours(1), Duration.ofHours(1), 200, 64L << 20);

    @TempDir
    Path dir;

    private Path replica() {
        return dir.resolve("replica/app");
    }

    private AuditReport audit(Replicator r) throws Exception {
        return new ReplicaAudit(r.store(), r.codec()).audit("app", r.ledger().view(), false);
    }

    private AuditReport auditFromBucketOnly(ObjectStore store, boolean deep) throws Exception {
        return new ReplicaAudit(store, ReplicaCodec.PLAIN).audit("app", null, deep);
    }

    @Test
    void aHealthyReplicaIsRestorableWithOneListing() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = new FileStore(replica());
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, SMALL)) {
            for (int i = 0; i < 5; i++) {
                app.insert(i * 100, i * 100 + 100, 500);
                r.sync();
            }
            AuditReport report = audit(r);
            assertTrue(report.restorable(), report.summary());
            assertEquals(1, report.requests(), "one listing of the generation");
            assertTrue(report.problems().isEmpty());
            assertNotNull(report.restorablePoint());
            assertTrue(report.newest().startsWith("generation " + r.stats().generation), report.newest());

            AuditReport deep = auditFromBucketOnly(store, true);
            assertTrue(deep.restorable(), deep.summary());
            assertTrue(deep.requests() > 2, "the deep audit downloads the chain: " + deep.requests());
        }
    }

    @Test
    void aWipedReplicaIsDamagedAndANewGenerationRepairsItWithEveryRow() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = new FileStore(replica());
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, SMALL)) {
            app.insert(0, 300, 500);
            r.sync();
            String before = r.stats().generation;
            assertTrue(audit(r).restorable());

            wipe(replica());
            app.insert(300, 400, 500);
            r.sync(); // the replicator alone notices nothing: it ships into the generation whose snapshot is gone
            assertEquals(before, r.stats().generation);
            AuditReport damaged = audit(r);
            assertFalse(damaged.restorable(), damaged.summary());
            assertNull(damaged.restorablePoint());
            assertTrue(damaged.problems().getFirst().key().contains("/snapshots/"), damaged.problems().toString());
            assertEquals(List.of(before), damaged.damaged());
            assertFalse(auditFromBucketOnly(store, false).restorable(), "the CLI's audit agrees");

            r.startNewGeneration("test: replica wiped");
            app.insert(400, 450, 500);
            r.sync();
            assertNotEquals(before, r.stats().generation);
            AuditReport repaired = audit(r);
            assertTrue(repaired.restorable(), repaired.summary());

            Path out = dir.resolve("restored.db");
            new SqliteRestorer(store).restore(new SqliteRestorer.Options(out, null, null, null));
            assertEquals(app.fingerprint(), TestDb.fingerprint(out), "every committed row, including those written after the wipe");
        }
    }

    @Test
    void aLostSegmentInTheMiddleAndATruncatedOneAreFound() throws Exception {
        Path db = dir.resolve("app.db");
        ObjectStore store = new FileStore(replica());
        var noCheckpoints = new Replicator.Settings(Duration.ofHours(1), Duration.ofHours(1), 1_000_000, 1L << 40);
        try (TestDb app = new TestDb(db); Replicator r = new Replicator("app", db, store, noCheckpoints)) {
            for (int i = 0; i < 4; i++) {
                app.insert(i * 50, i * 50 + 50, 300);
                r.sync();
            }
            List<ObjectInfo> segments = store.list(ReplicaLayout.GENERATIONS).stream().filter(o -> o.key().contains("/wal/")).toList();
            assertTrue(segments.size() >= 3, "several segments of one index: " + segments);
            ObjectInfo middle = segments.get(1);
            Path middleFile = replica().resolve(middle.key());
            byte[] kept = Files.readAllBytes(middleFile);
            Files.delete(middleFile);
            AuditReport lost = audit(r);
            assertFalse(lost.restorable(), "a segment gone from the middle breaks the chain: " + lost.summary());
            assertTrue(lost.problems().getFirst().problem().contains("of " + segments.size() + " shipped segments"), lost.problems().toString());

            Files.write(middleFile, kept);
            assertTrue(audit(r).restorable());
            try (FileChannel ch = FileChannel.open(middleFile, StandardOpenOption.WRITE)) {
                ch.truncate(kept.length - 7);
            }
            AuditReport truncated = audit(r);
            assertFalse(truncated.restorable(), "a truncated segment is caught by its size: " + truncated.summary());
            assertTrue(auditFromBucketOnly(store, true).problems().stream().anyMatch(p -> p.key().equals(middle.key())),
                    "the deep audit names the truncated object");
        }
    }

    @Test
    void anEmptyDestinationHasNothingToRestoreButIsNotDamage() throws Exception {
        AuditReport report = auditFromBucketOnly(new FileStore(replica()), false);
        assertNull(report.newest());
        assertFalse(report.restorable());
        assertTrue(report.problems().isEmpty());
    }

    static void wipe(Path replica) throws Exception {
        try (Stream<Path> files = Files.walk(replica)) {
            files.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(replica)).forEach(p -> p.toFile().delete());
        }
    }
}
