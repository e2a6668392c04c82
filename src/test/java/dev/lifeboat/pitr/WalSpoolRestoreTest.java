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
import org.junit.jupiter.api.BeforeEach;
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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restores through the WAL spool ({@link WalSpool}) against real PostgreSQL 15 and S3Proxy: the archiver streams the
 * server's WAL while a writer commits rows; a base backup is taken in the middle, and the archive ends in a partial
 * segment. The restored server's fallback {@code restore_command} ({@link WalFetchShim} behind a script that logs
 * each file it is asked for) stands for {@code lifeboat wal-fetch}, the JVM start the spool is there to avoid: a
 * restore that Lifeboat waits for must never need it, and exactly the rows committed before the target come back,
 * through the partial. A damaged segment stops recovery with a checksum error naming the object, from the spool,
 * before the server has a byte of it. The spool is gone once recovery ends, also for a server started by hand.
 */
class WalSpoolRestoreTest {
    private static final long SEGMENT = 16L << 20;
    static PostgresServer pg;
    static S3ProxyServer s3;
    static WalFetchShim shim;
    static Path work;
    static Path fallback;
    static Path fallbackLog;
    static LifeboatConfig config;
    static WalArchiver archiver;
    static BaseBackupManifest base;
    /** Per committed row: its id, the client clock just before the INSERT and just after its commit returned. */
    static final List<long[]> rows = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-pitr-spool-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        pg = PostgresServer.start();
        s3 = S3ProxyServer.start();
        s3.createBucket("backups");
        pg.createDatabase("app");
        pg.sql("app", "CREATE TABLE ticks (id bigint PRIMARY KEY)");
        config = TestConfigs.parse("destinations:\n" + s3.destinationYaml("main", "backups", "lifeboat")
                + "databases:\n  app:\n    type: postgres\n    url: " + pg.url("app") + "\n    destination: main\n"
                + "    pitr: { enabled: true, archive-timeout: 1s }\n");
        archiver = new WalArchiver("app", PgUrl.parse(pg.url("app")), "lifeboat_spool", Duration.ofSeconds(1), archive(), Compression.ZSTD, List.of());
        Thread.ofPlatform().daemon().name("test-archiver").start(archiver);
        shim = WalFetchShim.start(work, WalSpoolRestoreTest::archive);
        fallbackLog = work.resolve("fallback.log");
        fallback = work.resolve("fallback.sh");
        Files.writeString(fallback, "#!/bin/sh\necho \"$1\" >> " + fallbackLog + "\nexec " + shim.script() + " \"$@\"\n");
        Files.setPosixFilePermissions(fallback, PosixFilePermissions.fromString("rwxr-xr-x"));

        try (Connection c = pg.connect("app"); PreparedStatement st = c.prepareStatement("INSERT INTO ticks (id) VALUES (?)")) {
            long id = 1;
            for (Instant until = Instant.now().plusMillis(1000); Instant.now().isBefore(until); id++) {
                insert(st, id);
            }
            var settings = PitrBaseBackup.Settings.of("app", config.databases().get("app"));
            base = new PitrBaseBackup(settings, new BaseBackupCatalog(store()), PgTools.standard(), Clock.systemUTC()).run();
            for (Instant until = Instant.now().plusMillis(3000); Instant.now().isBefore(until); id++) {
                insert(st, id);
            }
        }
        pg.sql("app", "INSERT INTO ticks (id) VALUES (-1)"); // one commit after every target
        Lsn end = currentLsn();
        Instant deadline = Instant.now().plusSeconds(60);
        while (archive().archivedEnd(SEGMENT).map(WalArchive.ArchivedEnd::durable).orElse(Lsn.ZERO).compareTo(end) < 0) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the archiver did not reach " + end + ": " + archiver.status());
            }
            Thread.sleep(200);
        }
        archiver.stop(); // the archive stays as it is: ending in a partial segment
    }

    private static void insert(PreparedStatement st, long id) throws Exception {
        long before = System.currentTimeMillis();
        st.setLong(1, id);
        st.executeUpdate();
        rows.add(new long[]{id, before, System.currentTimeMillis()});
        Thread.sleep(20);
    }

    @AfterAll
    static void stop() {
        if (archiver != null) {
            archiver.stop();
        }
        if (shim != null) {
            shim.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (pg != null) {
            pg.close();
        }
        ExternalProcess.run(List.of("rm", "-rf", work.toString()), Duration.ofSeconds(60));
    }

    @BeforeEach
    void clearLog() throws IOException {
        Files.deleteIfExists(fallbackLog);
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

    /** Where WAL is inserted (the test server runs with synchronous_commit off: the write position may lag a commit). */
    static Lsn currentLsn() throws Exception {
        try (Connection c = pg.connect("postgres"); ResultSet rs = c.createStatement().executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    static PitrRestorer.Request request(String dir, RecoveryTarget target, Optional<Integer> port) {
        return new PitrRestorer.Request("app", work.resolve(dir), target, Optional.empty(), fallback + " %f %p", List.of(),
                List.of("archive_mode = off"), port, serverOptions(), Optional.of(PostgresServer.DEBIAN_15), "pg-bin", Duration.ofMinutes(3));
    }

    static List<String> serverOptions() {
        return List.of("listen_addresses=127.0.0.1", "unix_socket_directories=/tmp");
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

    static List<String> fallbackAsked() throws IOException {
        return Files.exists(fallbackLog) ? Files.readAllLines(fallbackLog) : List.of();
    }

    static List<Long> ids(int upTo) {
        List<Long> ids = new ArrayList<>();
        for (long i = 1; i <= upTo; i++) {
            ids.add(i);
        }
        return ids;
    }

    /**
     * --latest and a moment inside the last (partial) segment: every WAL file comes from the spool or this process's
     * answer to a request, none from the fallback, and the rows are exactly those committed before the target.
     */
    @Test
    void restoresFromTheSpoolExactlyThroughThePartialWithoutTheFallback() throws Exception {
        WalArchive.ArchivedEnd end = archive().archivedEnd(SEGMENT).orElseThrow();
        assertFalse(end.openPartials().isEmpty(), "the archive ends in a partial segment: " + end);
        assertTrue(WalFileName.segment(end.timeline(), end.durable(), SEGMENT).compareTo(base.startWalFile()) > 0,
                "the partial segment comes after the base backup's first, which the spool prefetches");

        int port = ExternalProcess.freePort();
        PitrRestorer.Result latest = new PitrRestorer(store()).restore(request("latest", new RecoveryTarget.Latest(), Optional.of(port)));
        try (RecoveryServer server = latest.server()) {
            List<Long> ids = restoredIds(port);
            List<Long> expected = new ArrayList<>(List.of(-1L));
            expected.addAll(ids(rows.size()));
            assertEquals(expected, ids, "every committed row");
        }
        assertTrue(latest.spooledWalFiles() >= 2, "the base backup's segment and the partial came through the spool: " + latest.spooledWalFiles());
        assertEquals(List.of(), fallbackAsked(), "the fallback restore_command (a JVM start each) was never needed");
        assertFalse(Files.exists(WalSpool.dir(work.resolve("latest"))), "the spool is deleted after recovery");

        long[] row = rows.get(rows.size() - 10);
        long[] next = rows.get((int) row[0]);
        assertTrue(next[1] > row[2], "a gap between two commits");
        Instant target = Instant.ofEpochMilli((row[2] + next[1]) / 2);
        int port2 = ExternalProcess.freePort();
        PitrRestorer.Result at = new PitrRestorer(store()).restore(request("at", new RecoveryTarget.Time(target), Optional.of(port2)));
        try (RecoveryServer server = at.server()) {
            assertEquals(ids((int) row[0]), restoredIds(port2), "exactly the rows committed before " + target);
        }
        assertEquals(List.of(), fallbackAsked());
        assertFalse(Files.exists(WalSpool.dir(work.resolve("at"))));
    }

    /**
     * Without --start the spool holds the prefetched segments when the command returns; the server started later by
     * hand takes them from there (the fallback is asked only for what the spool lacks: the partial and history files
     * that do not exist), recovers every row, and its recovery_end_command deletes the spool.
     */
    @Test
    void aServerStartedByHandTakesTheSpoolAndDeletesItWhenRecoveryEnds() throws Exception {
        Path data = work.resolve("by-hand");
        PitrRestorer.Result r = new PitrRestorer(store()).restore(request("by-hand", new RecoveryTarget.Latest(), Optional.empty()));
        Path spool = WalSpool.dir(data);
        List<String> spooled;
        try (Stream<Path> files = Files.list(spool)) {
            spooled = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(spooled.contains(base.startWalFile()), "the base backup's first segment is spooled: " + spooled);
        assertEquals(r.spooledWalFiles(), spooled.size(), "only WAL files, no request machinery: " + spooled);
        int port = ExternalProcess.freePort();
        try (RecoveryServer server = RecoveryServer.start(PostgresServer.DEBIAN_15, data, port, serverOptions(), Duration.ofMinutes(3))) {
            server.awaitPromoted(Duration.ofMinutes(3));
            assertEquals(rows.size() + 1, restoredIds(port).size(), "every committed row");
        }
        List<String> asked = fallbackAsked();
        assertFalse(asked.isEmpty(), "the partial segment came through the fallback");
        for (String name : spooled) {
            assertFalse(asked.contains(name), name + " came from the spool, not the fallback: " + asked);
        }
        assertFalse(Files.exists(spool), "recovery_end_command deleted the spool");
    }

    /** A flipped byte in a prefetched segment: recovery stops with the spool's checksum error naming the object. */
    @Test
    void aDamagedPrefetchedSegmentStopsRecoveryBeforeTheServerReadsIt() throws Exception {
        WalObject first = archive().find(base.startWalFile()).orElseThrow();
        assertTrue(first.isSegment());
        Path file = s3.dataDir().resolve("backups").resolve("lifeboat/app/" + first.key());
        byte[] original = Files.readAllBytes(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x08);
        }
        Path data = work.resolve("damaged");
        try {
            IOException e = assertThrows(IOException.class, () -> new PitrRestorer(store())
                    .restore(request("damaged", new RecoveryTarget.Latest(), Optional.of(ExternalProcess.freePort()))));
            assertTrue(e.getMessage().contains("checksum mismatch in WAL object") && e.getMessage().contains(first.key()), e.getMessage());
        } finally {
            Files.write(file, original);
        }
        assertEquals(List.of(), fallbackAsked(), "the spool answered, not the fallback");
        assertFalse(Files.exists(data.resolve("pg_wal").resolve(base.startWalFile())), "the server never had the damaged segment");
        assertFalse(Files.exists(WalSpool.dir(data)), "the spool is deleted after a failed recovery too");
    }
}
