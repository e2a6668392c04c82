package dev.lifeboat.pitr;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import dev.lifeboat.volume.Mounts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WAL archiver's process ({@link ArchiverProcess}: the archiver the agent runs, alone in a JVM) SIGKILLed at
 * random moments for 20 cycles under a writer that commits one row per transaction and records the server's WAL
 * position after each commit returned. After every kill, a real {@code --latest} restore (the base backup taken at
 * the start plus the archived WAL, on a started server) holds every transaction committed up to the flush position
 * the archiver had acknowledged to the server (the slot's restart_lsn) and, stronger, up to the position the store
 * proves archived; the slot never passes the store; in the end the archived segments run without a gap, each equal to
 * the server's own file. Own PostgreSQL cluster: the base backup restored 20 times stays small; the restores go to a
 * tmpfs, where the unpacker's fsync of every file costs nothing.
 */
class PitrKillCycleTest {
    static final String DB = "killed";
    static final String SLOT = "killed_slot";
    static final long SEGMENT = 16 << 20;
    static PostgresServer pg;
    static S3ProxyServer s3;
    static Path work;
    static LifeboatConfig config;
    static WalFetchShim shim;
    /** The database's folder of the destination, as restores and the tests read it. */
    static ObjectStore store;
    /** Where the restores go: a tmpfs when this process may mount one (each restore fsyncs ~1000 files). */
    static Path restores;
    static final Mounts mounts = new Mounts();
    /** Per committed transaction: its row id and the server's WAL insert position read after its commit returned. */
    static final List<long[]> committed = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        work = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-pitr-kill-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        pg = PostgresServer.startWith("max_wal_senders=10", "max_replication_slots=10");
        s3 = S3ProxyServer.start();
        s3.createBucket("pitr");
        config = TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "pitr", "")
                + "databases:\n  " + DB + ":\n    type: postgres\n    url: " + pg.url("postgres") + "\n    destination: s3\n"
                + "    pitr: { enabled: true, archive-timeout: 1s, slot: " + SLOT + " }\n");
        restores = Files.createDirectory(work.resolve("restores"));
        if ("root".equals(System.getProperty("user.name"))) {
            mounts.tmpfs(restores, "size=512m,mode=755");
        }
        store = new PrefixedStore(ObjectStores.open(config.destinations().get("s3")), DB + "/");
        shim = WalFetchShim.start(work, PitrKillCycleTest::archive);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {shim, store, s3, pg, mounts}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
        if (work != null) {
            ExternalProcess.run(List.of("rm", "-rf", work.toString()), Duration.ofSeconds(60));
        }
    }

    static WalArchive archive() {
        return new WalArchive(store, List.of());
    }

    static Lsn durable() {
        try {
            return archive().archivedEnd(SEGMENT).map(WalArchive.ArchivedEnd::durable).orElse(Lsn.ZERO);
        } catch (IOException e) {
            return Lsn.ZERO;
        }
    }

    static Lsn lsn(String query) throws SQLException {
        try (Connection c = pg.connect("postgres"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    static Optional<Lsn> slotRestart() throws SQLException {
        try (Connection c = pg.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")) {
            return rs.next() && rs.getString(1) != null ? Optional.of(Lsn.parse(rs.getString(1))) : Optional.empty();
        }
    }

    /** The highest row id whose commit the server had passed at or before {@code position}, 0 when none. */
    static long lastCommittedBy(Lsn position) {
        synchronized (committed) {
            long last = 0;
            for (long[] c : committed) {
                if (c[1] <= position.value()) {
                    last = Math.max(last, c[0]);
                }
            }
            return last;
        }
    }

    /** Restores the newest base backup and all archived WAL, starts the server, returns the row ids it holds. */
    static List<Long> restoreLatest(String dir) throws Exception {
        int port = ExternalProcess.freePort();
        PitrRestorer.Request request = new PitrRestorer.Request(DB, restores.resolve(dir), new RecoveryTarget.Latest(), Optional.empty(),
                shim.script() + " %f %p", List.of(), List.of("archive_mode = off"), Optional.of(port),
                List.of("listen_addresses=127.0.0.1", "unix_socket_directories=/tmp", "fsync=off"),
                Optional.of(PostgresServer.DEBIAN_15), "pg-bin", Duration.ofMinutes(3));
        PitrRestorer.Result r = new PitrRestorer(store).restore(request);
        List<Long> ids = new ArrayList<>();
        try (RecoveryServer server = r.server();
             Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
             ResultSet rs = c.createStatement().executeQuery("SELECT id FROM killed ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        } finally {
            ExternalProcess.run(List.of("rm", "-rf", restores.resolve(dir).toString()), Duration.ofSeconds(60));
        }
        return ids;
    }

    @Test
    void killedTwentyTimesUnderAWriterEachLatestRestoreHasEveryAcknowledgedTransaction() throws Exception {
        pg.sql("postgres", "CREATE TABLE killed (id bigint PRIMARY KEY, pad text)");
        // New slots reserve WAL from the last checkpoint: past initdb's segment and the table's creation.
        pg.sql("postgres", "SELECT pg_switch_wal()", "CHECKPOINT");
        Path yaml = Files.writeString(work.resolve("destination.yml"), "destinations:\n" + s3.destinationYaml("s3", "pitr", ""));
        Path log = work.resolve("archiver.log");

        // Killed as soon as its slot exists: until the first object is stored the slot keeps the position it was created with.
        Process creator = ArchiverProcess.start(yaml, DB, pg.url("postgres"), SLOT, log);
        Lsn createdAt;
        try {
            Await.until("the slot to be created", Duration.ofSeconds(60), () -> uncheckedSlot().isPresent());
            createdAt = slotRestart().orElseThrow();
        } finally {
            creator.destroyForcibly();
            creator.waitFor();
        }
        if (durable().equals(Lsn.ZERO)) {
            assertEquals(createdAt, slotRestart().orElseThrow(), "the slot moved before anything was stored");
        }

        // The base backup every restore starts from, taken while archiving runs.
        Process first = ArchiverProcess.start(yaml, DB, pg.url("postgres"), SLOT, log);
        BaseBackupManifest base;
        try {
            base = new PitrBaseBackup(PitrBaseBackup.Settings.of(DB, config.databases().get(DB)), new BaseBackupCatalog(store),
                    PgTools.standard(), Clock.systemUTC()).run();
            Lsn stop = Lsn.parse(base.stopLsn());
            Await.until("the base backup's WAL archived up to " + stop, Duration.ofSeconds(60), () -> !stop.isAfter(durable()));
        } finally {
            first.destroyForcibly();
            first.waitFor();
        }

        Random random = new Random(14);
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofPlatform().name("kill-writer").start(() -> {
            try (Connection c = pg.connect("postgres");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO killed (id, pad) VALUES (?, repeat('k', 100))");
                 PreparedStatement position = c.prepareStatement("SELECT pg_current_wal_insert_lsn()::text")) {
                for (long id = 1; writing.get(); id++) {
                    insert.setLong(1, id);
                    insert.executeUpdate(); // autocommit: committed when it returns
                    try (ResultSet rs = position.executeQuery()) {
                        rs.next();
                        synchronized (committed) {
                            committed.add(new long[]{id, Lsn.parse(rs.getString(1)).value()});
                        }
                    }
                    if (id % 2000 == 0) {
                        c.createStatement().execute("SELECT pg_switch_wal()"); // a few segments end, so gaps between them would show
                    }
                    Thread.sleep(3);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Lsn firstDurable = durable();
        Lsn previousAck = Lsn.ZERO;
        try {
            for (int cycle = 0; cycle < 20; cycle++) {
                Process p = ArchiverProcess.start(yaml, DB, pg.url("postgres"), SLOT, log);
                Thread.sleep(1500 + random.nextInt(1500));
                p.destroyForcibly();
                p.waitFor();
                Lsn ack = slotRestart().orElseThrow();
                Lsn stored = durable();
                assertFalse(ack.isAfter(stored), "cycle " + cycle + ": the slot's restart_lsn " + ack + " passed the store's " + stored);
                assertFalse(previousAck.isAfter(ack), "cycle " + cycle + ": the acknowledged position went back");
                previousAck = ack;

                List<Long> restored = restoreLatest("restore-" + cycle);
                long acknowledged = lastCommittedBy(ack);
                long proven = lastCommittedBy(stored);
                for (int i = 0; i < restored.size(); i++) {
                    assertEquals(i + 1, restored.get(i), "cycle " + cycle + ": the restored transactions are the writer's first ones, without a hole");
                }
                assertTrue(restored.size() >= acknowledged, "cycle " + cycle + ": the --latest restore has " + restored.size()
                        + " transactions, but " + acknowledged + " were committed up to the acknowledged flush " + ack);
                assertTrue(restored.size() >= proven, "cycle " + cycle + ": the --latest restore has " + restored.size()
                        + " transactions, but " + proven + " were committed up to " + stored + ", which the store holds");
            }
        } finally {
            writing.set(false);
            writer.join(30_000);
        }
        assertTrue(previousAck.isAfter(firstDurable), "archiving progressed across the kills");

        Lsn end = lsn("SELECT pg_current_wal_insert_lsn()::text");
        Process last = ArchiverProcess.start(yaml, DB, pg.url("postgres"), SLOT, log);
        try {
            Await.until("the archive to reach " + end, Duration.ofSeconds(60), () -> !end.isAfter(durable()));
        } finally {
            last.destroyForcibly();
            last.waitFor();
        }
        List<WalObject> segments = archive().list(1).stream().filter(WalObject::isSegment).toList();
        assertTrue(segments.size() >= 4, "the writer ended segments: " + segments);
        assertTrue(segments.getFirst().fileName().compareTo(base.startWalFile()) <= 0,
                "the archive starts no later than the base backup's " + base.startWalFile() + ": " + segments.getFirst());
        long firstSegment = WalFileName.segmentNumber(segments.getFirst().fileName(), SEGMENT);
        for (int i = 0; i < segments.size(); i++) {
            assertEquals(firstSegment + i, WalFileName.segmentNumber(segments.get(i).fileName(), SEGMENT), "no segment is missing: " + segments);
            assertArrayEquals(serverSegment(segments.get(i).fileName()), archive().fetch(segments.get(i)), segments.get(i).key());
        }
        WalArchive.ArchivedEnd archivedEnd = archive().archivedEnd(SEGMENT).orElseThrow();
        assertTrue(archivedEnd.resumeFrom().segmentNumber(SEGMENT) <= firstSegment + segments.size(),
                "the newest partial continues the complete segments: " + archivedEnd);
        List<Long> all = restoreLatest("restore-final");
        assertEquals(committed.size(), all.size(), "the final --latest restore has every committed transaction");
    }

    static Optional<Lsn> uncheckedSlot() {
        try {
            return slotRestart();
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
