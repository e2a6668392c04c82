package dev.lifeboat.drill;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.sqlite.ReplicaLayout;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.stream.lz4.Lz4Frames;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drill contract for SQLite, against a real replica in S3Proxy: a snapshot plus a WAL segment in Litestream's
 * layout, restored by the real restorer and checked with real SQLite; plus what only SQLite drills do (a random
 * backup, a time-out, the schedule).
 */
class SqliteDrillTest extends DrillContract {
    static S3ProxyServer s3;

    @TempDir
    Path dir;

    Path live;
    Connection app;
    String prefix = "t-" + UUID.randomUUID();
    Path scratch;
    String generation;
    LifeboatConfig config;
    DrillService service;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket("drills");
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @BeforeEach
    void replica() throws Exception {
        live = dir.resolve("app.db");
        scratch = dir.resolve("scratch");
        config = config("");
        service = newService();
        // The application's database: a snapshot after 50 rows, then 25 more rows in the WAL (not checkpointed).
        // The connection stays open for the whole test, as a running application's would (closing the last
        // connection would checkpoint the WAL into the file).
        app = new org.sqlite.JDBC().connect("jdbc:sqlite:" + live, new java.util.Properties());
        try (Statement s = app.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA wal_autocheckpoint=0");
            s.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, created_at TEXT)");
            s.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id))");
            for (int i = 0; i < 50; i++) {
                s.execute("INSERT INTO users (name, created_at) VALUES ('u" + i + "', datetime('now'))");
            }
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            generation = ReplicaLayout.newGeneration();
            try (ObjectStore store = DrillService.storeFor(config, "app")) {
                store.putBytes(ReplicaLayout.snapshotKey(generation, 0), lz4(Files.readAllBytes(live)));
                for (int i = 0; i < 25; i++) {
                    s.execute("INSERT INTO orders (user_id) VALUES (" + (i + 1) + ")");
                }
                store.putBytes(ReplicaLayout.segmentKey(generation, 0, 0), lz4(Files.readAllBytes(dir.resolve("app.db-wal"))));
            }
        }
    }

    @AfterEach
    void closeApp() throws Exception {
        if (app != null) {
            app.close();
        }
    }

    /**
     * Rewrites the WAL segment in a later second than the live WAL's last change (S3 times have one-second
     * resolution), so the replica provably holds the live database's current state and the drill compares them.
     */
    void replicaCaughtUp() throws Exception {
        Thread.sleep(1100 - System.currentTimeMillis() % 1000);
        damage(ReplicaLayout.segmentKey(generation, 0, 0), bytes -> bytes);
    }

    @Override
    protected LifeboatConfig config(String drillExtra) {
        return TestConfigs.parse("destinations:\n" + s3.destinationYaml("main", "drills", prefix)
                + "databases:\n"
                + "  app:\n"
                + "    type: sqlite\n"
                + "    path: " + live + "\n"
                + "    destination: main\n"
                + "    drill:\n"
                + "      scratch-dir: " + scratch + "\n"
                + "      checks:\n"
                + "        users-exist: { query: 'select count(*) from users', expect: '>= 50' }\n"
                + "        recent-user: { query: 'select max(created_at) from users', expect: 'newer than backup - 1d' }\n"
                + drillExtra);
    }

    @Override
    protected String database() {
        return "app";
    }

    @Override
    protected DrillService service() {
        return service;
    }

    @Override
    protected String backupName() {
        return generation + "/00000000";
    }

    @Override
    protected List<String> checkNames() {
        return List.of("restore", "integrity_check", "foreign_key_check", "recent-user", "users-exist", "live-comparison");
    }

    @Override
    protected Observed userCheckObserved() {
        return new Observed("users-exist", "50");
    }

    @Override
    protected void backupCatchesUp() throws Exception {
        replicaCaughtUp();
    }

    @Override
    protected SourceCheck watchSource() throws Exception {
        String dbBefore = sha256(live);
        String walBefore = sha256(dir.resolve("app.db-wal"));
        return () -> {
            assertEquals(dbBefore, sha256(live));
            assertEquals(walBefore, sha256(dir.resolve("app.db-wal")));
        };
    }

    /** The scratch directory's files; the directory exists once a drill ran. */
    @Override
    protected List<String> scratchLeft() throws Exception {
        try (var files = Files.list(scratch)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    @Override
    protected DrillRecord drillAfterFlippingAByte() throws Exception {
        damage(ReplicaLayout.snapshotKey(generation, 0), bytes -> {
            // The frame's content checksum: a flip inside the compressed block can land in a match of zeros and
            // decode to the same bytes (the rows hold datetime('now'), so where the block's tokens fall varies).
            bytes[bytes.length - 1] ^= 0x01;
            return bytes;
        });
        return service.run(config, "app", "cli");
    }

    @Override
    protected DrillRecord drillAfterTruncating() throws Exception {
        damage(ReplicaLayout.segmentKey(generation, 0, 0), bytes -> Arrays.copyOf(bytes, bytes.length - 100));
        return service.run(config, "app", "cli");
    }

    @Override
    protected FalseCheck falseCheck() {
        return new FalseCheck("no-orders", "select count(*) from orders", "25");
    }

    @Override
    protected List<String> leaveScratchOfAKilledDrillAndAnother() throws Exception {
        Files.createDirectories(scratch);
        Path leftover = scratch.resolve(DrillRun.scratchPrefix("app") + "20260101t000000z0badf0.db");
        Files.write(leftover, new byte[4096]);
        Files.write(scratch.resolve(leftover.getFileName() + ".lifeboat-restore-wal"), new byte[10]);
        Files.write(scratch.resolve("someone-elses.db"), new byte[1]);
        return List.of("someone-elses.db");
    }

    @Override
    protected int tooSmallScratchKiB() {
        return 4;
    }

    @Override
    protected void alsoWhenPassed(DrillRecord r) throws Exception {
        assertTrue(r.backupId().startsWith(generation + "/00000000-00000000"), r.backupId());
        assertTrue(r.rpoSeconds() < 600, "RPO " + r.rpoSeconds());
        CheckResult comparison = r.checks().getLast();
        assertEquals("2 tables, equal row counts", comparison.observed(), comparison.message());

        // The history is in the destination: a new service (a restarted agent) sees it.
        DrillService restarted = newService();
        restarted.loadHistory(config);
        assertEquals(r.id(), restarted.state("app").orElseThrow().last().id());
        assertEquals(r.id(), restarted.state("app").orElseThrow().lastPassed().id());
        List<DrillRecord> history = restarted.history(config, "app", 10);
        assertEquals(1, history.size());
        assertEquals(r.checks(), history.getFirst().checks());
    }

    static byte[] lz4(byte[] raw) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = Lz4Frames.compress(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void randomBackupWithinRetentionRestoresAPointOfTheReplica() {
        DrillRecord r = service.run(config("      backup: random\n"), "app", "schedule");
        assertEquals(DrillRecord.PASSED, r.outcome(), r.error());
        assertTrue(r.backupId().startsWith(generation + "/00000000"), r.backupId());
    }

    @Test
    void timedOutDrillFailsAndStillCleansUp() throws Exception {
        DrillRecord r = service.run(config("      timeout: 1ms\n"), "app", "cli");
        assertEquals(DrillRecord.FAILED, r.outcome());
        assertTrue(r.error().contains("timed out after PT0.001S"), r.error());
        // The interrupted drill keeps the database locked until it has removed its scratch copy.
        DrillRecord next = awaitNotRefused(config);
        assertEquals(DrillRecord.PASSED, next.outcome(), next.error());
        assertNoScratchLeft();
    }

    @Test
    void scheduledDrillsRunInTheAgent() throws Exception {
        DrillScheduler scheduler = new DrillScheduler();
        scheduler.drills = service;
        scheduler.metrics = service.metrics;
        scheduler.start(config("      schedule: 1s\n"));
        try {
            assertTrue(scheduler.nextRun("app").isPresent());
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (service.state("app").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            DrillRecord r = service.state("app").orElseThrow().last();
            assertEquals("schedule", r.trigger());
            assertEquals(DrillRecord.PASSED, r.outcome(), r.error());
        } finally {
            scheduler.stop();
        }
    }

    private DrillRecord awaitNotRefused(LifeboatConfig c) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            DrillRecord r = service.run(c, "app", "cli");
            if (!DrillRecord.REFUSED.equals(r.outcome())) {
                return r;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the timed-out drill never released its database");
    }

    private void assertNoScratchLeft() {
        try (var files = Files.list(scratch)) {
            assertEquals(List.of(), files.toList());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private void damage(String key, java.util.function.UnaryOperator<byte[]> change) throws Exception {
        try (ObjectStore store = DrillService.storeFor(config, "app")) {
            byte[] bytes;
            try (InputStream in = store.get(key)) {
                bytes = in.readAllBytes();
            }
            store.putBytes(key, change.apply(bytes));
        }
    }
}
