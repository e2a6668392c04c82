package dev.lifeboat.pitr;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.FaultProxy;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WAL archiver against a real PostgreSQL 15 and S3Proxy (through a FaultProxy the tests can cut): objects arrive
 * under the layout with checksums that verify and bytes equal to the server's own segment files, the slot's
 * restart_lsn never passes what the store holds, a flipped byte is refused naming the object. The SIGKILL cycles
 * with a restore after each are {@link PitrKillCycleTest} (a cluster of their own, so the base backup stays small).
 */
class WalArchiverTest {
    static PostgresServer pg;
    static S3ProxyServer s3;
    static FaultProxy proxy;
    /** What the archivers write through: the fault proxy. */
    static ObjectStore bucket;
    /** What the tests read through: S3Proxy directly, so a cut store does not blind them. */
    static ObjectStore direct;
    static final List<WalArchiver> running = new ArrayList<>();
    static final List<Thread> threads = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        pg = PostgresServer.startWith("max_wal_senders=10", "max_replication_slots=10");
        // New slots reserve WAL from the last checkpoint: past initdb's segment, so no test archives it.
        pg.sql("postgres", "SELECT pg_switch_wal()", "CHECKPOINT");
        s3 = S3ProxyServer.start();
        s3.createBucket("pitr");
        proxy = FaultProxy.http("127.0.0.1", s3.port());
        LifeboatConfig config = TestConfigs.parse("destinations:\n"
                + s3.destinationYaml("s3", "pitr", "").replace(s3.endpoint(), proxy.endpoint())
                + "    connect-timeout: 1s\n    request-timeout: 10s\n");
        bucket = ObjectStores.open(config.destinations().get("s3"));
        direct = ObjectStores.open(TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "pitr", "")).destinations().get("s3"));
    }

    @AfterAll
    static void stop() {
        running.forEach(WalArchiver::stop);
        for (AutoCloseable c : new AutoCloseable[] {bucket, direct, proxy, s3, pg}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @AfterEach
    void stopArchivers() throws InterruptedException {
        proxy.pass();
        stopAll();
    }

    /** Stops every archiver and waits for its thread, so the store no longer changes. */
    static void stopAll() throws InterruptedException {
        running.forEach(WalArchiver::stop);
        for (Thread t : threads) {
            t.join(30_000);
        }
        running.clear();
        threads.clear();
    }

    /** The archive of {@code db} as the tests read it. */
    static WalArchive archive(String db) {
        return new WalArchive(new PrefixedStore(direct, db + "/"), List.of());
    }

    static WalArchiver archiver(String db, String url, String slot) {
        WalArchiver a = new WalArchiver(db, PgUrl.parse(url), slot, Duration.ofSeconds(1),
                new WalArchive(new PrefixedStore(bucket, db + "/"), List.of()), Compression.ZSTD, List.of());
        running.add(a);
        Thread t = new Thread(a, "test-wal-" + db);
        t.setDaemon(true);
        t.start();
        threads.add(t);
        return a;
    }

    static Lsn currentLsn() throws SQLException {
        try (Connection c = pg.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    static Optional<Lsn> slotRestart(String slot) throws SQLException {
        try (Connection c = pg.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next() && rs.getString(1) != null ? Optional.of(Lsn.parse(rs.getString(1))) : Optional.empty();
        }
    }

    static Lsn durable(String db) {
        try {
            return archive(db).archivedEnd(16 << 20).map(WalArchive.ArchivedEnd::durable).orElse(Lsn.ZERO);
        } catch (IOException e) {
            return Lsn.ZERO;
        }
    }

    @Test
    void segmentsAndPartialsArriveUnderTheLayoutWithTheServersBytes() throws Exception {
        pg.sql("postgres", "CREATE TABLE IF NOT EXISTS layout (id serial, pad text)");
        archiver("layout", pg.url("postgres"), "layout_slot");
        Await.until("the slot to be created", Duration.ofSeconds(30), () -> uncheckedSlot("layout_slot").isPresent());
        pg.sql("postgres", "INSERT INTO layout (pad) SELECT repeat('x', 200) FROM generate_series(1, 20000)", "SELECT pg_switch_wal()",
                "INSERT INTO layout (pad) VALUES ('after the switch')");
        Lsn target = currentLsn();
        Await.until("WAL up to " + target + " archived", Duration.ofSeconds(60), () -> !target.isAfter(durable("layout")));
        stopAll();

        WalArchive archive = archive("layout");
        List<WalObject> objects = archive.list();
        WalObject complete = objects.stream().filter(WalObject::isSegment).findFirst().orElseThrow();
        assertTrue(objects.stream().anyMatch(WalObject::isPartial), "the segment in progress is stored as a partial: " + objects);
        assertTrue(complete.key().matches("pitr/wal/00000001/00000001[0-9A-F]{16}\\.[0-9a-f]{64}\\.zst"), complete.key());
        byte[] archived = archive.fetch(complete);
        assertArrayEquals(serverSegment(complete.fileName()), archived, "the archived segment is the server's segment file");
        for (WalObject o : objects) {
            archive.fetch(o);
        }
        WalObject partial = archive.find(WalFileName.segment(1, target, 16 << 20)).orElseThrow();
        assertTrue(partial.isPartial());
        byte[] served = archive.fetch(partial);
        assertEquals(16 << 20, served.length, "a partial is served as a whole segment");
        byte[] live = serverSegment(partial.fileName());
        for (int i = 0; i < partial.partialEnd(); i++) {
            if (served[i] != live[i]) {
                throw new AssertionError("partial differs from the server's segment at byte " + i);
            }
        }
    }

    @Test
    void theSlotNeverPassesWhatTheStoreHolds() throws Exception {
        pg.sql("postgres", "CREATE TABLE IF NOT EXISTS flush (id serial, pad text)");
        archiver("flush", pg.url("postgres"), "flush_slot");
        Await.until("the slot to be created", Duration.ofSeconds(30), () -> uncheckedSlot("flush_slot").isPresent());
        // Until the first object is stored the slot keeps the position it was created with (checked in the kill test).
        pg.sql("postgres", "INSERT INTO flush (pad) VALUES ('first')");
        Await.until("a first object stored", Duration.ofSeconds(30), () -> durable("flush").isAfter(Lsn.ZERO));
        int moved = 0;
        Lsn previous = null;
        for (int i = 0; i < 20; i++) {
            pg.sql("postgres", "INSERT INTO flush (pad) SELECT repeat('y', 300) FROM generate_series(1, 3000)");
            Lsn restart = slotRestart("flush_slot").orElseThrow();
            Lsn stored = durable("flush");
            assertFalse(restart.isAfter(stored), "the slot's restart_lsn " + restart + " passed the archived position " + stored);
            if (previous != null && restart.isAfter(previous)) {
                moved++;
            }
            previous = restart;
            Thread.sleep(100);
        }
        assertTrue(moved > 0, "the slot advanced while WAL was archived");
    }

    @Test
    void aFlippedByteIsRefusedNamingTheObject() throws Exception {
        pg.sql("postgres", "CREATE TABLE IF NOT EXISTS flip (id serial)");
        archiver("flip", pg.url("postgres"), "flip_slot");
        pg.sql("postgres", "INSERT INTO flip SELECT FROM generate_series(1, 1000)", "SELECT pg_switch_wal()");
        Await.until("a complete segment", Duration.ofSeconds(60),
                () -> uncheckedList("flip").stream().anyMatch(WalObject::isSegment));
        WalObject o = archive("flip").list().stream().filter(WalObject::isSegment).findFirst().orElseThrow();
        byte[] bytes = archive("flip").store().get(o.key()).readAllBytes();
        bytes[bytes.length / 2] ^= 0x01;
        archive("flipped").store().putBytes(o.key(), bytes);
        WalChecksumException e = org.junit.jupiter.api.Assertions.assertThrows(WalChecksumException.class,
                () -> archive("flipped").fetch(o.fileName()));
        assertTrue(e.getMessage().contains("flipped/" + o.key()), e.getMessage());
        assertEquals(o.key(), e.key());
    }

    @Test
    void preflightSaysWhatToChangeOnTheServer() throws Exception {
        pg.sql("postgres", "DO $$ BEGIN CREATE ROLE norepl LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        WalArchiver noPrivilege = archiver("norepl", "postgres://norepl@127.0.0.1:" + pg.port() + "/postgres", "norepl_slot");
        Await.until("the preflight to fail", Duration.ofSeconds(30), () -> "preflight-failed".equals(noPrivilege.status().state()));
        String problem = String.join("\n", noPrivilege.status().preflightProblems());
        assertTrue(problem.contains("lacks the REPLICATION privilege") && problem.contains("ALTER ROLE \"norepl\" REPLICATION")
                && problem.contains("databases.norepl.pitr"), problem);
        assertTrue(PitrArchiveRulesView.errorFiring("norepl", noPrivilege.status()), "pitr-archive-error fires");

        try (PostgresServer minimal = PostgresServer.startWith("wal_level=minimal", "max_wal_senders=0")) {
            WalArchiver a = archiver("minimal", minimal.url("postgres"), "minimal_slot");
            Await.until("the preflight to fail", Duration.ofSeconds(30), () -> "preflight-failed".equals(a.status().state()));
            String problems = String.join("\n", a.status().preflightProblems());
            assertTrue(problems.contains("wal_level is minimal on the server; set wal_level = replica") && problems.contains("databases.minimal.pitr")
                    && problems.contains("raise max_wal_senders"), problems);
            stopAll();
        }
    }

    @Test
    void aPromotedStandbyContinuesOnTheNewTimeline() throws Exception {
        try (PostgresServer primary = PostgresServer.startWith("max_wal_senders=10", "max_replication_slots=10")) {
            primary.sql("postgres", "SELECT pg_switch_wal()", "CHECKPOINT", "CREATE TABLE tl (id serial, at timestamptz default now())");
            try (PostgresServer standby = PostgresServer.startStandby(primary, "next")) {
                archiver("timeline", primary.url("postgres"), "tl_slot");
                Await.until("the slot to be created", Duration.ofSeconds(30), () -> uncheckedLsn(primary,
                        "SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = 'tl_slot'").isAfter(Lsn.ZERO));
                // The base backup a restore across the promotion starts from: timeline 1, before any of the rows.
                BaseBackupManifest base = new PitrBaseBackup(new PitrBaseBackup.Settings("timeline", PgUrl.parse(primary.url("postgres")),
                        Compression.ZSTD, List.of(), Duration.ofMinutes(2)), new BaseBackupCatalog(archive("timeline").store()),
                        dev.lifeboat.postgres.PgTools.standard(), java.time.Clock.systemUTC()).run();
                assertEquals(1, base.timeline());
                primary.sql("postgres", "INSERT INTO tl SELECT FROM generate_series(1, 500)");
                Lsn archivedEnd = lsn(primary, "SELECT pg_current_wal_insert_lsn()::text");
                Await.until("timeline 1 archived up to " + archivedEnd, Duration.ofSeconds(60), () -> !archivedEnd.isAfter(durable("timeline")));
                stopAll();
                // WAL the archiver has not seen yet when the standby takes over: it must come from the new primary's timeline 1.
                primary.sql("postgres", "INSERT INTO tl SELECT FROM generate_series(1, 500)");
                Lsn primaryEnd = lsn(primary, "SELECT pg_current_wal_insert_lsn()::text");
                Await.until("the standby to replay " + primaryEnd, Duration.ofSeconds(60),
                        () -> !primaryEnd.isAfter(uncheckedLsn(standby, "SELECT pg_last_wal_replay_lsn()::text")));
                primary.close();
                standby.promote();

                archiver("timeline", standby.url("postgres"), "tl_slot");
                standby.sql("postgres", "INSERT INTO tl SELECT FROM generate_series(1, 500)", "SELECT pg_switch_wal()", "INSERT INTO tl DEFAULT VALUES");
                Lsn end = lsn(standby, "SELECT pg_current_wal_insert_lsn()::text");
                Await.until("timeline 2 archived up to " + end, Duration.ofSeconds(60),
                        () -> uncheckedList("timeline").stream().anyMatch(o -> o.timeline() == 2 && !o.isHistory()) && !end.isAfter(durable("timeline")));
                stopAll();

                WalArchive archive = archive("timeline");
                byte[] history = archive.fetch("00000002.history").orElseThrow();
                assertTrue(new String(history, java.nio.charset.StandardCharsets.US_ASCII).startsWith("1\t"), new String(history));
                WalObject newTimeline = archive.list(2).stream().filter(WalObject::isSegment).findFirst().orElseThrow();
                assertArrayEquals(segmentOf(standby, newTimeline.fileName()), archive.fetch(newTimeline),
                        "the first segment of timeline 2 is the new primary's own file");
                Lsn switchPoint = TimelineHistory.parse(2, history).switchPointOrNull(1);
                assertTrue(switchPoint != null && !archivedEnd.isAfter(switchPoint), "timeline 1 ends after what the first archiver saw");
                Lsn timeline1End = WalArchive.archivedEnd(archive.list(1), 16 << 20).orElseThrow().durable();
                assertEquals(switchPoint, timeline1End, "timeline 1 is archived up to its switch point, from the new primary");

                // A --latest restore from the timeline-1 base backup follows the history onto timeline 2 and has every row.
                java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("/tmp"), "lifeboat-pitr-tl-");
                java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                int port = dev.lifeboat.testing.ExternalProcess.freePort();
                try (WalFetchShim shim = WalFetchShim.start(dir, () -> archive("timeline"))) {
                    PitrRestorer.Result r = new PitrRestorer(archive("timeline").store()).restore(new PitrRestorer.Request("timeline",
                            dir.resolve("data"), new RecoveryTarget.Latest(), Optional.empty(), shim.script() + " %f %p", List.of(),
                            List.of("archive_mode = off"), Optional.of(port), List.of("listen_addresses=127.0.0.1", "unix_socket_directories=/tmp"),
                            Optional.of(PostgresServer.DEBIAN_15), "pg-bin", Duration.ofMinutes(3)));
                    try (RecoveryServer restored = r.server();
                         Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
                         Statement st = c.createStatement()) {
                        assertEquals(base.id(), r.base().id());
                        ResultSet rows = st.executeQuery("SELECT count(*) FROM tl");
                        rows.next();
                        assertEquals(1501, rows.getLong(1), "the rows of timeline 1, those only the promoted standby archived, and timeline 2's");
                        ResultSet tl = st.executeQuery("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)");
                        tl.next();
                        assertEquals("00000003", tl.getString(1), "recovered through timeline 2, promoted onto the next one");
                    }
                } finally {
                    dev.lifeboat.testing.ExternalProcess.run(List.of("rm", "-rf", dir.toString()), Duration.ofSeconds(60));
                }
            }
        }
    }

    static Lsn lsn(PostgresServer server, String query) throws SQLException {
        try (Connection c = server.connect("postgres"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    static Lsn uncheckedLsn(PostgresServer server, String query) {
        try {
            return lsn(server, query);
        } catch (SQLException | RuntimeException e) {
            return Lsn.ZERO;
        }
    }

    static byte[] segmentOf(PostgresServer server, String name) throws SQLException {
        try (Connection c = server.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_read_binary_file('pg_wal/" + name + "')")) {
            rs.next();
            return rs.getBytes(1);
        }
    }

    /** The alert rules as the agent evaluates them on an archiver's status. */
    static final class PitrArchiveRulesView {
        static boolean errorFiring(String db, WalArchiveStatus s) {
            return dev.lifeboat.alert.PitrArchiveRules.evaluate(db, s, Duration.ofSeconds(10), Long.MAX_VALUE).stream()
                    .anyMatch(c -> c.rule().equals("pitr-archive-error") && c.firing());
        }

        static Optional<Boolean> lagFiring(String db, WalArchiveStatus s, Duration limit) {
            return dev.lifeboat.alert.PitrArchiveRules.evaluate(db, s, limit, Long.MAX_VALUE).stream()
                    .filter(c -> c.rule().equals("pitr-archive-lag")).map(dev.lifeboat.alert.Condition::firing).findFirst();
        }
    }

    /**
     * The one long test of the class: S3 black-holed for 60 s under a steady writer. The slot keeps the WAL (its
     * restart_lsn never passes the store), the lag rule fires, and after the store is back the archive catches up with
     * every segment present and equal to the server's own file; the lag rule then resolves.
     */
    @Test
    void aSixtySecondStoreOutageUnderLoadLosesNothing() throws Exception {
        pg.sql("postgres", "CREATE TABLE IF NOT EXISTS outage (id serial, pad text)");
        WalArchiver a = archiver("outage", pg.url("postgres"), "outage_slot");
        Duration limit = Duration.ofSeconds(10);
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try (Connection c = pg.connect("postgres"); Statement st = c.createStatement()) {
                while (writing.get()) {
                    st.execute("INSERT INTO outage (pad) SELECT repeat('z', 120) FROM generate_series(1, 300)");
                    Thread.sleep(50);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "outage-writer");
        writer.start();
        try {
            Await.until("archiving to start", Duration.ofSeconds(30), () -> a.status().lastUploadAt() != null);
            proxy.blackhole();
            java.time.Instant outageEnds = java.time.Instant.now().plusSeconds(60);
            boolean lagFired = false;
            while (java.time.Instant.now().isBefore(outageEnds)) {
                Optional<Lsn> restart = slotRestart("outage_slot");
                Lsn stored = durable("outage");
                assertFalse(restart.orElseThrow().isAfter(stored), "the slot's restart_lsn " + restart + " passed the store's " + stored);
                lagFired |= PitrArchiveRulesView.lagFiring("outage", a.status(), limit).orElse(false);
                Thread.sleep(2000);
            }
            assertTrue(lagFired, "pitr-archive-lag fired during the outage: " + a.status());
            proxy.pass();
        } finally {
            writing.set(false);
            writer.join(30_000);
        }
        Lsn end = currentLsn();
        Await.until("the archive to catch up to " + end, Duration.ofSeconds(90), () -> !end.isAfter(durable("outage")));
        Await.until("pitr-archive-lag to resolve", Duration.ofSeconds(30),
                () -> PitrArchiveRulesView.lagFiring("outage", a.status(), limit).equals(Optional.of(false)));
        stopAll();

        WalArchive archive = archive("outage");
        List<WalObject> segments = archive.list(1).stream().filter(WalObject::isSegment).toList();
        assertTrue(segments.size() >= 2, "the writer filled segments: " + segments.size());
        long first = WalFileName.segmentNumber(segments.getFirst().fileName(), 16 << 20);
        for (int i = 0; i < segments.size(); i++) {
            assertEquals(first + i, WalFileName.segmentNumber(segments.get(i).fileName(), 16 << 20), "no segment is missing: " + segments);
            assertArrayEquals(serverSegment(segments.get(i).fileName()), archive.fetch(segments.get(i)), segments.get(i).key());
        }
    }

    static List<WalObject> uncheckedList(String db) {
        try {
            return archive(db).list();
        } catch (IOException e) {
            return List.of();
        }
    }

    static Optional<Lsn> uncheckedSlot(String slot) {
        try {
            return slotRestart(slot);
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    static byte[] serverSegment(String name) throws SQLException {
        try (Connection c = pg.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_read_binary_file('pg_wal/" + name + "')")) {
            rs.next();
            return rs.getBytes(1);
        }
    }
}
