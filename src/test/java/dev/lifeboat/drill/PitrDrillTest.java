package dev.lifeboat.drill;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.pitr.BaseBackupCatalog;
import dev.lifeboat.pitr.BaseBackupManifest;
import dev.lifeboat.pitr.Lsn;
import dev.lifeboat.pitr.PitrBaseBackup;
import dev.lifeboat.pitr.WalArchive;
import dev.lifeboat.pitr.WalArchiver;
import dev.lifeboat.pitr.WalFetchShim;
import dev.lifeboat.pitr.WalObject;
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
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PITR drills against real PostgreSQL 15, the WAL archiver and S3Proxy: the drill restores the newest base backup and
 * the archived WAL into a scratch directory, recovers a scratch server, checks it, records RTO and RPO, and leaves
 * nothing behind, also removing what a killed drill left; a damaged base backup or WAL segment fails the drill naming
 * the object.
 * The scratch server's restore_command is {@link WalFetchShim} (the server's user cannot run this JVM's classpath).
 */
class PitrDrillTest {
    static PostgresServer pg;
    static S3ProxyServer s3;
    static WalFetchShim shim;
    static WalArchiver archiver;
    static Path work;
    static LifeboatConfig config;
    static BaseBackupManifest base;

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-pitr-drill-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        pg = PostgresServer.start();
        s3 = S3ProxyServer.start();
        s3.createBucket("backups");
        pg.createDatabase("app");
        pg.sql("app", "CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric)",
                "INSERT INTO orders (total) SELECT g FROM generate_series(1, 1000) g");
        shim = WalFetchShim.start(work, PitrDrillTest::archive);
        config = TestConfigs.parse("destinations:\n" + s3.destinationYaml("main", "backups", "lifeboat")
                + "databases:\n  app:\n    type: postgres\n    url: " + pg.url("app") + "\n    destination: main\n"
                + "    pitr: { enabled: true, archive-timeout: 1s }\n"
                + "    drill:\n      postgres-bin: " + PostgresServer.DEBIAN_15 + "\n      lifeboat-command: " + shim.script() + "\n"
                + "      scratch-dir: " + work.resolve("scratch") + "\n"
                + "      checks:\n        orders: { query: \"select count(*) from orders\", expect: \">= 1000\" }\n");
        archiver = new WalArchiver("app", PgUrl.parse(pg.url("app")), "lifeboat_drill", Duration.ofSeconds(1), archive(), Compression.ZSTD, List.of());
        Thread.ofPlatform().daemon().name("test-archiver").start(archiver);
        base = new PitrBaseBackup(PitrBaseBackup.Settings.of("app", config.databases().get("app")), new BaseBackupCatalog(store()),
                PgTools.standard(), Clock.systemUTC()).run();
        pg.sql("app", "INSERT INTO orders (total) VALUES (1001)");
        Lsn end;
        try (Connection c = pg.connect("postgres"); ResultSet rs = c.createStatement().executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            end = Lsn.parse(rs.getString(1));
        }
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

    static ObjectStore store() throws IOException {
        return ObjectStores.openUnder(config.destinations().get("main"), "app/");
    }

    static WalArchive archive() {
        try {
            return new WalArchive(store(), List.of());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static DrillRun newRun(String id) throws IOException {
        return new DrillRun(id, "app", config, store(), Instant.now());
    }

    static List<Path> scratchEntries() throws IOException {
        try (Stream<Path> s = Files.list(work.resolve("scratch"))) {
            return s.toList();
        }
    }

    @Test
    void drillRecoversChecksRecordsAndCleansUpIncludingAKilledDrillsLeftovers() throws Exception {
        Files.createDirectories(work.resolve("scratch"));
        Path leftover = Files.createDirectories(work.resolve("scratch").resolve(DrillRun.scratchPrefix("app") + "killed").resolve("data"));
        Files.writeString(leftover.resolve("PG_VERSION"), "15\n");

        DrillRun run = newRun("20261205T000000Z-aaaaaa");
        new PitrDrill(work.resolve("lifeboat.yml")).run(run);

        assertEquals(base.id(), run.backupId);
        assertNotNull(run.restoreMillis);
        assertNotNull(run.backupTime, "the achieved recovery point (RPO) is recorded");
        assertFalse(run.backupTime.isAfter(run.startedAt));
        assertTrue(run.checks().stream().allMatch(CheckResult::passed), run.checks().toString());
        assertTrue(run.checks().stream().anyMatch(c -> c.name().equals("orders")), "the user check ran: " + run.checks());
        assertTrue(run.checks().stream().anyMatch(c -> c.name().equals("pitr-recovery")));
        assertEquals(List.of(), scratchEntries(), "the scratch directory and the killed drill's leftovers are gone");
    }

    /** A flipped byte in a WAL segment the recovery needs fails the drill with the checksum error naming the object. */
    @Test
    void damagedWalSegmentFailsTheDrillNamingTheObjectAndCleansUp() throws Exception {
        WalObject segment = archive().find(base.startWalFile()).orElseThrow();
        Path file = s3.dataDir().resolve("backups").resolve("lifeboat/app/" + segment.key());
        byte[] original = Files.readAllBytes(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x04);
        }
        try {
            DrillException e = assertThrows(DrillException.class, () -> new PitrDrill(work.resolve("lifeboat.yml")).run(newRun("20261205T000002Z-cccccc")));
            assertFalse(e.refused());
            assertTrue(e.getMessage().contains("checksum mismatch in WAL object") && e.getMessage().contains(segment.key()), e.getMessage());
            assertEquals(List.of(), scratchEntries());
        } finally {
            Files.write(file, original);
        }
    }

    @Test
    void damagedBaseBackupFailsTheDrillNamingTheObjectAndCleansUp() throws Exception {
        String key = base.objects().getFirst().key();
        Path file = s3.dataDir().resolve("backups").resolve("lifeboat/app/" + key);
        byte[] original = Files.readAllBytes(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(f.length() / 3);
            int b = f.read();
            f.seek(f.length() / 3);
            f.write(b ^ 0x10);
        }
        try {
            DrillException e = assertThrows(DrillException.class, () -> new PitrDrill(work.resolve("lifeboat.yml")).run(newRun("20261205T000001Z-bbbbbb")));
            assertFalse(e.refused());
            assertTrue(e.getMessage().contains("checksum mismatch in base backup object") && e.getMessage().contains(key), e.getMessage());
            assertEquals(List.of(), scratchEntries());
        } finally {
            Files.write(file, original);
        }
    }
}
