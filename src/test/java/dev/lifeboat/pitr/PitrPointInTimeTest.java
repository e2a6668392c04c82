package dev.lifeboat.pitr;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Point-in-time restores through the whole path against real PostgreSQL 15 and S3Proxy: the WAL archiver streams the
 * server's WAL into the destination while a writer commits timestamped rows; a base backup is taken in the middle;
 * restores to several chosen moments recover exactly the rows committed before each. The restored server's
 * {@code restore_command} is {@link WalFetchShim}, which runs {@link WalFetch} (the code behind
 * {@code lifeboat wal-fetch}) in this JVM.
 */
class PitrPointInTimeTest {
    static PostgresServer pg;
    static S3ProxyServer s3;
    static WalFetchShim fetchServer;
    static Path work;
    static LifeboatConfig config;
    static WalArchiver archiver;
    static Thread archiverThread;
    static BaseBackupManifest base;
    /** Per committed row: its id, the client clock just before the INSERT and just after its commit returned. */
    static final List<long[]> rows = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-pitr-pit-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        pg = PostgresServer.start();
        s3 = S3ProxyServer.start();
        s3.createBucket("backups");
        pg.createDatabase("app");
        pg.sql("app", "CREATE TABLE ticks (id bigint PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
        config = TestConfigs.parse("destinations:\n" + s3.destinationYaml("main", "backups", "lifeboat")
                + "databases:\n  app:\n    type: postgres\n    url: " + pg.url("app") + "\n    destination: main\n"
                + "    pitr: { enabled: true, archive-timeout: 1s }\n");
        archiver = new WalArchiver("app", PgUrl.parse(pg.url("app")), "lifeboat_pit", Duration.ofSeconds(1), archive(), Compression.ZSTD, List.of());
        archiverThread = Thread.ofPlatform().daemon().name("test-archiver").start(archiver);
        fetchServer = WalFetchShim.start(work, PitrPointInTimeTest::archive);

        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = Thread.ofPlatform().start(() -> {
            try (Connection c = pg.connect("app"); PreparedStatement st = c.prepareStatement("INSERT INTO ticks (id) VALUES (?)")) {
                for (long id = 1; !stop.get(); id++) {
                    long before = System.currentTimeMillis();
                    st.setLong(1, id);
                    st.executeUpdate();
                    long after = System.currentTimeMillis();
                    synchronized (rows) {
                        rows.add(new long[]{id, before, after});
                    }
                    Thread.sleep(25);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1500);
        var settings = PitrBaseBackup.Settings.of("app", config.databases().get("app"));
        base = new PitrBaseBackup(settings, new BaseBackupCatalog(store()), PgTools.standard(), Clock.systemUTC()).run();
        Thread.sleep(4000);
        stop.set(true);
        writer.join();
        pg.sql("app", "INSERT INTO ticks (id) VALUES (-1)"); // one commit after every target, so each target is passed in the WAL
        Lsn end = currentLsn();
        Instant deadline = Instant.now().plusSeconds(60);
        while (archive().archivedEnd(16 << 20).map(WalArchive.ArchivedEnd::durable).orElse(Lsn.ZERO).compareTo(end) < 0) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the archiver did not reach " + end + ": " + archiver.status());
            }
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stop() {
        if (archiver != null) {
            archiver.stop();
        }
        if (fetchServer != null) {
            fetchServer.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (pg != null) {
            pg.close();
        }
        ExternalProcess.run(List.of("rm", "-rf", work.toString()), Duration.ofSeconds(60));
    }

    static ObjectStore store() throws IOException {
        return new PrefixedStore(ObjectStores.open(config.destinations().get("main")), "app/");
    }

    static WalArchive archive() {
        try {
            return new WalArchive(store(), List.of());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Lsn currentLsn() throws Exception {
        try (Connection c = pg.connect("postgres"); ResultSet rs = c.createStatement().executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    static PitrRestorer.Request request(String dir, RecoveryTarget target, int port) {
        return new PitrRestorer.Request("app", work.resolve(dir), target, Optional.empty(), fetchServer.script() + " %f %p", List.of(),
                List.of("archive_mode = off"), Optional.of(port), List.of("listen_addresses=127.0.0.1", "unix_socket_directories=/tmp"),
                Optional.of(PostgresServer.DEBIAN_15), "pg-bin", Duration.ofMinutes(3));
    }

    static List<Long> restoredIds(int port) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/app?user=postgres");
             ResultSet rs = c.createStatement().executeQuery("SELECT id FROM ticks ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /**
     * Restores to moments between two commits: the target lies after row i's commit returned and before row i+1's
     * INSERT was sent, so exactly rows 1..i were committed by then; the restored cluster holds exactly those.
     */
    @Test
    void restoreAtChosenMomentsHasExactlyTheRowsCommittedBefore() throws Exception {
        List<long[]> after;
        synchronized (rows) {
            after = rows.stream().filter(r -> r[1] > base.consistentAt().toEpochMilli()).toList();
        }
        assertTrue(after.size() > 40, "the writer went on after the base backup: " + after.size() + " rows");
        for (double share : new double[]{0.2, 0.55, 0.9}) {
            long[] row = after.get((int) (after.size() * share));
            long[] next = rows.get((int) row[0]); // ids start at 1: rows.get(id) is the row after it
            assertTrue(next[1] > row[2], "a gap between two commits");
            Instant target = Instant.ofEpochMilli((row[2] + next[1]) / 2);
            int port = ExternalProcess.freePort();
            PitrRestorer.Result r = new PitrRestorer(store()).restore(request("at-" + row[0], new RecoveryTarget.Time(target), port));
            try (RecoveryServer server = r.server()) {
                List<Long> ids = restoredIds(port);
                assertEquals(row[0], ids.size(), "rows restored at " + target);
                assertEquals(row[0], ids.getLast(), "the last row committed before " + target);
            }
        }
    }

    /** --latest recovers every archived transaction, through the newest partial segment. */
    @Test
    void restoreToLatestHasEveryRow() throws Exception {
        int port = ExternalProcess.freePort();
        PitrRestorer.Result r = new PitrRestorer(store()).restore(request("latest", new RecoveryTarget.Latest(), port));
        try (RecoveryServer server = r.server()) {
            List<Long> ids = restoredIds(port);
            assertEquals(rows.size() + 1, ids.size());
            assertEquals(-1L, ids.getFirst());
        }
    }

    /** A flipped byte in a WAL segment the restore needs stops recovery with a checksum error naming the object. */
    @Test
    void flippedByteInSegmentFailsRestoreNamingTheObject() throws Exception {
        WalObject first = archive().find(base.startWalFile()).orElseThrow();
        Path file = s3.dataDir().resolve("backups").resolve("lifeboat/app/" + first.key());
        byte[] original = Files.readAllBytes(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x08);
        }
        try {
            IOException e = assertThrows(IOException.class, () -> new PitrRestorer(store())
                    .restore(request("damaged-wal", new RecoveryTarget.Latest(), ExternalProcess.freePort())));
            assertTrue(e.getMessage().contains("checksum mismatch in WAL object") && e.getMessage().contains(first.key()), e.getMessage());
        } finally {
            Files.write(file, original);
        }
    }
}
