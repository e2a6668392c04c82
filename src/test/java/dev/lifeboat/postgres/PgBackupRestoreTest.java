package dev.lifeboat.postgres;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.stream.age.AgeIdentity;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backups and restores against real PostgreSQL 15, pg_dump/pg_restore, S3Proxy and the age CLI. */
class PgBackupRestoreTest {
    static PostgresServer pg;
    static S3ProxyServer s3;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        pg = PostgresServer.start();
        s3 = S3ProxyServer.start();
        s3.createBucket("backups");
        pg.createDatabase("app");
        PgFixtures.sampleSchema(pg, "app");
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    static PgRestorer.Options to(String url, boolean clean, List<AgeIdentity> ids) {
        return new PgRestorer.Options(PgUrl.parse(url), clean, false, ids, Duration.ofMinutes(5));
    }

    /**
     * {@code row-counts: exact} counts inside pg_dump's own snapshot: with a writer inserting without pause before,
     * during and after the dump, the manifest's count is exactly what the restored copy holds.
     */
    @Test
    void exactRowCountsAreThoseOfTheDumpsSnapshot() throws Exception {
        pg.createDatabase("busy");
        pg.sql("busy", "CREATE TABLE t (id bigserial PRIMARY KEY, pad text)",
                "INSERT INTO t (pad) SELECT repeat('x', 200) FROM generate_series(1, 200000)");
        LifeboatConfig config = PgFixtures.config(s3, pg, "busy", "    row-counts: exact\n");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong inserted = new java.util.concurrent.atomic.AtomicLong();
        Thread writer = Thread.ofPlatform().start(() -> {
            try (var c = pg.connect("busy"); var st = c.prepareStatement("INSERT INTO t (pad) VALUES ('y')")) {
                while (!stop.get()) {
                    st.executeUpdate();
                    inserted.incrementAndGet();
                }
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        Manifest m;
        try {
            while (inserted.get() < 100) {
                Thread.sleep(10);
            }
            m = PgFixtures.backup(config, "busy").run();
            long atEnd = inserted.get();
            while (inserted.get() < atEnd + 100) {
                Thread.sleep(10);
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertEquals("exact", m.rowCounts());
        long counted = m.tables().stream().filter(t -> t.table().equals("t")).findFirst().orElseThrow().rows();
        long live = liveCount("busy");
        assertTrue(counted > 200_100 && counted < live, "counted " + counted + ", live " + live);

        BackupCatalog catalog = new BackupCatalog(PgFixtures.store(config, "busy"));
        new PgRestorer(PgTools.standard()).restore(catalog, m, to(pg.url("busy_copy"), false, List.of()));
        assertEquals(counted, liveCount("busy_copy"), "the restored copy holds exactly the rows the manifest counted");
    }

    private static long liveCount(String database) throws Exception {
        try (var c = pg.connect(database); var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** WAL-G style: back up, restore into a new database, and the plain dumps of both are identical. */
    @Test
    void roundTripIsExact() throws Exception {
        LifeboatConfig config = PgFixtures.config(s3, pg, "app", "    compression: zstd\n");
        BackupCatalog catalog = new BackupCatalog(PgFixtures.store(config, "app"));
        // Other tests back up the same database to the same place: only what this backup added is compared.
        List<String> before = catalog.list().stream().map(Manifest::id).toList();
        Manifest m = PgFixtures.backup(config, "app").run();
        List<String> added = new java.util.ArrayList<>(catalog.list().stream().map(Manifest::id).toList());
        added.removeAll(before);
        assertEquals(List.of(m.id()), added);
        assertEquals("zstd", m.compression());
        assertTrue(m.rawBytes() > m.storedBytes(), "zstd must shrink a dump");
        assertEquals("15", m.serverVersion().split("\\.")[0]);
        assertTrue(m.tables().stream().anyMatch(t -> t.schema().equals("shop") && t.table().equals("orders") && t.rows() == 2000), m.tables().toString());

        var result = new PgRestorer(PgTools.standard()).restore(catalog, m, to(pg.url("copy"), false, List.of()));
        assertTrue(result.createdDatabase());
        assertEquals(PgFixtures.plainDump(pg, "app"), PgFixtures.plainDump(pg, "copy"));

        // The copy is no longer empty: restoring again needs --clean, and with it the result is still exact.
        UserFacingException refused = assertThrows(UserFacingException.class,
                () -> new PgRestorer(PgTools.standard()).restore(catalog, m, to(pg.url("copy"), false, List.of())));
        assertTrue(refused.getMessage().contains("not empty"), refused.getMessage());
        new PgRestorer(PgTools.standard()).restore(catalog, m, to(pg.url("copy"), true, List.of()));
        assertEquals(PgFixtures.plainDump(pg, "app"), PgFixtures.plainDump(pg, "copy"));
    }

    /** An encrypted gzip backup: the stored object decrypts with the age CLI and restores with pg_restore. */
    @Test
    void encryptedBackupDecryptsWithTheAgeCliAndRestores() throws Exception {
        ExternalProcess.run(List.of("age-keygen", "-o", dir.resolve("key.txt").toString()), Duration.ofSeconds(10));
        String recipient = ExternalProcess.run(List.of("age-keygen", "-y", dir.resolve("key.txt").toString()), Duration.ofSeconds(10)).trim();
        LifeboatConfig config = PgFixtures.config(s3, pg, "app", "    compression: gzip\n    encryption:\n      recipients: [" + recipient + "]\n");
        Manifest m = PgFixtures.backup(config, "app").run();
        assertTrue(m.encrypted());
        assertTrue(m.dataKey().endsWith(".pgdump.gz.age"), m.dataKey());
        assertFalse(new String(ManifestBytes.of(config, m)).contains(recipient), "manifests hold fingerprints only");

        BackupCatalog catalog = new BackupCatalog(PgFixtures.store(config, "app"));
        Path stored = dir.resolve("backup.age");
        try (InputStream in = catalog.openData(m)) {
            Files.copy(in, stored);
        }
        ExternalProcess.run(List.of("sh", "-c", "age -d -i key.txt backup.age | gunzip > backup.dump".replace("key.txt", dir.resolve("key.txt").toString())
                .replace("backup.age", stored.toString()).replace("backup.dump", dir.resolve("backup.dump").toString())), Duration.ofMinutes(1));
        pg.createDatabase("viacli");
        ExternalProcess.run(List.of("pg_restore", "--exit-on-error", "--dbname=" + pg.url("viacli"), dir.resolve("backup.dump").toString()), Duration.ofMinutes(2));
        assertEquals(PgFixtures.plainDump(pg, "app"), PgFixtures.plainDump(pg, "viacli"));

        // And our own restore decrypts with the identity file.
        List<AgeIdentity> ids = AgeIdentity.readFile(dir.resolve("key.txt"));
        new PgRestorer(PgTools.standard()).restore(catalog, m, to(pg.url("viaagent"), false, ids));
        assertEquals(PgFixtures.plainDump(pg, "app"), PgFixtures.plainDump(pg, "viaagent"));
    }

    /** A damaged object is detected before pg_restore can commit: the target stays untouched (and is dropped). */
    @Test
    void damagedBackupRestoresNothing() throws Exception {
        LifeboatConfig config = PgFixtures.config(s3, pg, "app", "    compression: none\n");
        Manifest m = PgFixtures.backup(config, "app").run();
        BackupCatalog catalog = new BackupCatalog(PgFixtures.store(config, "app"));
        // Flip one byte inside a table's data: the archive stays readable to pg_restore, only the checksum tells.
        byte[] data;
        try (InputStream in = catalog.openData(m)) {
            data = in.readAllBytes();
        }
        int at = new String(data, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("line\\nbreak");
        assertTrue(at > 0);
        data[at] = 'L';
        PgFixtures.store(config, "app").putBytes(m.dataKey(), data);
        Exception e = assertThrows(java.io.IOException.class,
                () -> new PgRestorer(PgTools.standard()).restore(catalog, m, to(pg.url("damaged"), false, List.of())));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        try (var c = pg.connect("postgres"); var rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_database WHERE datname = 'damaged'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the database created for the failed restore is dropped");
        }
        catalog.delete(m);
    }

    static final class ManifestBytes {
        static byte[] of(LifeboatConfig config, Manifest m) throws Exception {
            try (InputStream in = PgFixtures.store(config, "app").get("manifests/" + m.id() + ".json")) {
                return in.readAllBytes();
            }
        }
    }
}
