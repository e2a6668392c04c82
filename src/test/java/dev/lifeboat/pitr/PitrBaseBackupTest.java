package dev.lifeboat.pitr;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.store.ObjectInfo;
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
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PITR base backups and restores against real PostgreSQL 15 and S3Proxy. The server archives its WAL with a plain
 * {@code archive_command} into a directory, which the test copies into the destination in the contract's layout
 * (so restores find the base backup's first segment) and which the restored server reads with {@code cp}: this class
 * tests the base-backup half on its own, independent of the WAL archiver.
 */
class PitrBaseBackupTest {
    static PostgresServer pg;
    static S3ProxyServer s3;
    static Path walDir;
    static Path work;
    static LifeboatConfig config;

    @BeforeAll
    static void start() throws IOException {
        work = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-pitr-test-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        walDir = Files.createDirectory(work.resolve("wal"));
        Files.setPosixFilePermissions(walDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        pg = PostgresServer.startWith("archive_mode=on", "archive_command='cp %p " + walDir + "/%f'");
        s3 = S3ProxyServer.start();
        s3.createBucket("backups");
        pg.createDatabase("app");
        pg.sql("app", "CREATE TABLE items (id bigserial PRIMARY KEY, name text, payload jsonb)",
                "INSERT INTO items (name, payload) SELECT 'item ' || g, jsonb_build_object('g', g) FROM generate_series(1, 20000) g",
                "CREATE INDEX ON items (name)");
        config = TestConfigs.parse("destinations:\n" + s3.destinationYaml("main", "backups", "lifeboat")
                + "databases:\n  app:\n    type: postgres\n    url: " + pg.url("app") + "\n    destination: main\n"
                + "    pitr: { enabled: true }\n");
    }

    @AfterAll
    static void stop() {
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

    static BaseBackupManifest baseBackup(Duration timeout) throws IOException {
        var settings = PitrBaseBackup.Settings.of("app", config.databases().get("app"));
        settings = new PitrBaseBackup.Settings(settings.database(), settings.url(), settings.compression(), settings.recipients(), timeout);
        return new PitrBaseBackup(settings, new BaseBackupCatalog(store()), PgTools.standard(), Clock.systemUTC()).run();
    }

    /** Ends the current WAL segment so the server archives it, then copies the archive into the destination's layout. */
    static void archiveWal() throws Exception {
        String current;
        try (Connection c = pg.connect("postgres"); ResultSet rs = c.createStatement().executeQuery("SELECT pg_walfile_name(pg_current_wal_lsn())")) {
            rs.next();
            current = rs.getString(1);
        }
        pg.sql("postgres", "SELECT pg_switch_wal()");
        for (int i = 0; i < 400; i++) { // the server's archiver copies it asynchronously
            try (Connection c = pg.connect("postgres"); ResultSet rs = c.createStatement().executeQuery("SELECT last_archived_wal FROM pg_stat_archiver")) {
                rs.next();
                if (rs.getString(1) != null && rs.getString(1).compareTo(current) >= 0) {
                    break;
                }
            }
            Thread.sleep(50);
        }
        try (ObjectStore store = store(); Stream<Path> files = Files.list(walDir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (WalFileName.isSegment(name) || WalFileName.isHistory(name)) {
                    byte[] raw = Files.readAllBytes(f);
                    WalArchive.Encoded e = WalArchive.encode(raw, raw.length, Compression.ZSTD, List.of());
                    store.putIfAbsent(PitrLayout.walKey(name, e.sha256(), Compression.ZSTD, false), e.stored());
                }
            }
        }
    }

    static PitrRestorer.Request request(Path dataDir, RecoveryTarget target, Optional<Integer> port) {
        return new PitrRestorer.Request("app", dataDir, target, Optional.empty(), "cp " + walDir + "/%f %p", List.of(),
                List.of("archive_mode = off"), port, List.of("listen_addresses=127.0.0.1", "unix_socket_directories=/tmp"),
                Optional.of(PostgresServer.DEBIAN_15), "pg-bin", Duration.ofMinutes(3));
    }

    static long count(int port, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/app?user=postgres");
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * A base backup streams pg_basebackup's tar into the destination with its manifest last; a restore to the latest
     * WAL unpacks it, the server recovers and promotes, and the restored cluster has the rows, passes pg_amcheck and
     * dumps in full with pg_dump.
     */
    @Test
    void baseBackupRoundTripStartsAndPassesAmcheck() throws Exception {
        BaseBackupManifest m = baseBackup(Duration.ofMinutes(5));
        pg.sql("app", "INSERT INTO items (name) SELECT 'after ' || g FROM generate_series(1, 500) g");
        long sourceRows;
        try (Connection c = pg.connect("app"); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM items")) {
            rs.next();
            sourceRows = rs.getLong(1);
        }
        archiveWal();

        try (ObjectStore store = store()) {
            List<String> keys = store.list(PitrLayout.basePrefix(m.id())).stream().map(ObjectInfo::key).toList();
            assertEquals(List.of(PitrLayout.baseDataKey(m.id(), "base.tar", Compression.ZSTD, false), PitrLayout.baseManifestKey(m.id())), keys);
            assertEquals(m, new BaseBackupCatalog(store).byId(m.id()).orElseThrow());
        }
        assertTrue(Lsn.parse(m.stopLsn()).isAfter(Lsn.parse(m.startLsn())), m.startLsn() + ".." + m.stopLsn());
        assertEquals(1, m.timeline());
        assertTrue(m.backupLabel().contains("LABEL: lifeboat " + m.id()), m.backupLabel());
        assertTrue(m.serverVersion().startsWith("15"), m.serverVersion());
        assertTrue(m.tablespaces().contains("pg_default"));
        assertTrue(m.rawBytes() > 20_000_000 && m.storedBytes() < m.rawBytes(), m.rawBytes() + " raw, " + m.storedBytes() + " stored");

        Path dataDir = work.resolve("restored-latest");
        int port = ExternalProcess.freePort();
        PitrRestorer.Result r = new PitrRestorer(store()).restore(request(dataDir, new RecoveryTarget.Latest(), Optional.of(port)));
        try (RecoveryServer server = r.server()) {
            assertEquals(m.id(), r.base().id());
            assertEquals(sourceRows, count(port, "SELECT count(*) FROM items"));
            assertFalse(count(port, "SELECT pg_is_in_recovery()::int") == 1);
            String amcheck = ExternalProcess.run(List.of(PostgresServer.DEBIAN_15.resolve("pg_amcheck").toString(), "-h", "127.0.0.1",
                    "-p", Integer.toString(port), "-U", "postgres", "--all", "--install-missing", "--heapallindexed"), Duration.ofMinutes(3));
            assertFalse(amcheck.contains("error"), amcheck);
            String dump = ExternalProcess.run(List.of("pg_dump", "--format=plain", "--no-password",
                    "postgres://postgres@127.0.0.1:" + port + "/app"), Duration.ofMinutes(2));
            assertTrue(dump.contains("CREATE TABLE public.items") && dump.contains("after 500"), "pg_dump of the restored cluster");
        }
    }

    /** A flipped byte in the stored base backup fails the restore with a checksum error naming the object; nothing is left. */
    @Test
    void flippedByteInBaseBackupFailsRestoreNamingTheObject() throws Exception {
        BaseBackupManifest m = baseBackup(Duration.ofMinutes(5));
        archiveWal();
        String key = m.objects().getFirst().key();
        Path file = s3.dataDir().resolve("backups").resolve("lifeboat/app/" + key);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x40);
        }
        Path dataDir = work.resolve("restored-damaged");
        var request = request(dataDir, new RecoveryTarget.Latest(), Optional.empty());
        request = new PitrRestorer.Request(request.database(), dataDir, request.target(), Optional.of(m.id()), request.restoreCommand(),
                List.of(), request.extraSettings(), Optional.empty(), List.of(), request.serverBin(), "pg-bin", request.timeout());
        var finalRequest = request;
        IOException e = assertThrows(IOException.class, () -> new PitrRestorer(store()).restore(finalRequest));
        assertTrue(e.getMessage().contains("checksum mismatch in base backup object") && e.getMessage().contains(key), e.getMessage());
        try (Stream<Path> left = Files.list(dataDir)) {
            assertEquals(List.of(), left.toList(), "the data directory is emptied again");
        }
        try (ObjectStore store = store()) {
            new BaseBackupCatalog(store).delete(m); // the damaged backup must not disturb the other tests
        }
    }

    /** A failed base backup (pg_basebackup killed at the timeout) leaves no manifest, no object and no pending upload. */
    @Test
    void failedBaseBackupLeavesNothing() throws Exception {
        List<String> before;
        try (ObjectStore store = store()) {
            before = store.list(PitrLayout.BASE).stream().map(ObjectInfo::key).toList();
        }
        IOException e = assertThrows(IOException.class, () -> baseBackup(Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("pg_basebackup") || e.getMessage().contains("tar archive"), e.getMessage());
        try (ObjectStore store = store()) {
            assertEquals(before, store.list(PitrLayout.BASE).stream().map(ObjectInfo::key).toList());
            assertEquals(0, store.abortIncompleteUploads(PitrLayout.BASE, 0), "the multipart upload was aborted");
        }
    }

    /** A cluster with a tablespace outside the data directory is refused before pg_basebackup starts, naming it. */
    @Test
    void tablespaceIsRefusedClearly() throws Exception {
        Path ts = work.resolve("ts");
        Files.createDirectory(ts);
        ExternalProcess.run(List.of("chown", "postgres:postgres", ts.toString()), Duration.ofSeconds(10));
        pg.sql("postgres", "CREATE TABLESPACE extra LOCATION '" + ts + "'");
        try {
            UserFacingException e = assertThrows(UserFacingException.class, () -> baseBackup(Duration.ofMinutes(1)));
            assertTrue(e.getMessage().contains("databases.app.pitr") && e.getMessage().contains("extra (" + ts + ")"), e.getMessage());
        } finally {
            pg.sql("postgres", "DROP TABLESPACE extra");
        }
    }

    /**
     * Retention by recorded time: with keep-base-backups 1 and a short period, only the newest base backup is kept,
     * with its reason; WAL it needs (from its start segment on) is kept, WAL wholly before it is deleted.
     */
    @Test
    void retentionKeepsWhatTheNewestBaseBackupNeeds() throws Exception {
        BaseBackupManifest older = baseBackup(Duration.ofMinutes(5));
        pg.sql("app", "INSERT INTO items (name) SELECT 'between ' || g FROM generate_series(1, 100) g");
        archiveWal();
        BaseBackupManifest newer = baseBackup(Duration.ofMinutes(5));
        archiveWal();
        try (ObjectStore store = store()) {
            List<BaseBackupManifest> bases = new BaseBackupCatalog(store).list();
            List<WalObject> wal = new WalArchive(store, List.of()).list();
            PitrRetention.Plan plan = PitrRetention.plan(bases, wal, newer.consistentAt().plusSeconds(1), Duration.ofMillis(1), 1);
            assertEquals(List.of(newer), List.copyOf(plan.keepBase().keySet()));
            assertTrue(plan.keepBase().get(newer).contains("newest 1"), plan.keepBase().get(newer));
            assertTrue(plan.deleteBase().contains(older));
            String start = newer.startWalFile();
            assertTrue(plan.keepWal().keySet().stream().anyMatch(o -> o.fileName().equals(start)), "the newest base backup's first segment is kept");
            assertTrue(plan.keepWal().entrySet().stream().filter(e -> e.getKey().fileName().equals(start))
                    .allMatch(e -> e.getValue().contains("needed by base backup " + newer.id())));
            assertTrue(plan.deleteWal().stream().anyMatch(o -> o.fileName().equals(older.startWalFile())), "WAL before it goes");
            assertTrue(plan.deleteWal().stream().allMatch(o -> o.fileName().compareTo(start) < 0), "nothing the kept backup needs is deleted");
            RestorableWindow window = RestorableWindow.of(bases, wal);
            assertEquals(bases.getFirst().consistentAt(), window.from());
        }
    }
}
