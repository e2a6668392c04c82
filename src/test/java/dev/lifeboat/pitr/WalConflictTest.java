package dev.lifeboat.pitr;

import dev.lifeboat.alert.Condition;
import dev.lifeboat.alert.PitrArchiveRules;
import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "An upload never overwrites a different object of the same name": a real archiver completes a segment for which
 * the store already holds a different complete object (another server archiving into the same place), on S3Proxy
 * and on a file: destination. Both objects are kept, every reader picks the older one, and {@code pitr-archive-error}
 * fires naming both, from the upload and again from the listing when a new session starts.
 */
class WalConflictTest {
    private static final int SEGMENT = 16 << 20;
    static PostgresServer pg;
    static S3ProxyServer s3;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.startWith("max_wal_senders=10", "max_replication_slots=10");
        pg.sql("postgres", "CREATE TABLE t (x int)", "SELECT pg_switch_wal()", "CHECKPOINT");
        s3 = S3ProxyServer.start();
        s3.createBucket("pitr");
        dir = Files.createTempDirectory("lifeboat-wal-conflict-");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {s3, pg}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
        ExternalProcess.run(List.of("rm", "-rf", dir.toString()), Duration.ofSeconds(30));
    }

    @Test
    void s3KeepsBothAndAlerts() throws Exception {
        ObjectStore bucket = ObjectStores.open(TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "pitr", "")).destinations().get("s3"));
        keepsBothAndAlerts(new PrefixedStore(bucket, "app/"), "lifeboat_conflict_s3");
    }

    @Test
    void fileKeepsBothAndAlerts() throws Exception {
        ObjectStore files = ObjectStores.open(TestConfigs.parse("destinations:\n  local:\n    url: \"file://" + dir + "\"\n").destinations().get("local"));
        keepsBothAndAlerts(new PrefixedStore(files, "app/"), "lifeboat_conflict_file");
    }

    private static void keepsBothAndAlerts(ObjectStore store, String slot) throws Exception {
        WalArchive archive = new WalArchive(store, List.of());
        WalArchiver archiver = start(archive, slot);
        String name;
        String planted;
        try {
            Await.until("the archiver streams", Duration.ofSeconds(30), () -> archiver.status().archivedLsn() != null);
            pg.sql("postgres", "INSERT INTO t VALUES (1)");
            name = query("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
            byte[] other = new byte[SEGMENT];
            other[0] = 7; // not the server's segment
            WalArchive.Encoded e = WalArchive.encode(other, other.length, Compression.ZSTD, List.of());
            planted = PitrLayout.walKey(name, e.sha256(), Compression.ZSTD, false);
            assertTrue(store.putIfAbsent(planted, e.stored()));
            Thread.sleep(1100); // S3 times have whole seconds: the planted object is the older one
            pg.sql("postgres", "INSERT INTO t VALUES (2)", "SELECT pg_switch_wal()", "INSERT INTO t VALUES (3)");
            Await.until("the conflict is reported", Duration.ofSeconds(30), () -> !archiver.status().walConflicts().isEmpty());
        } finally {
            archiver.stop();
        }
        List<WalObject> same = archive.list().stream().filter(o -> o.fileName().equals(name) && o.isSegment()).toList();
        assertEquals(2, same.size(), "both complete objects are kept: " + same);
        String archived = same.stream().map(WalObject::key).filter(k -> !k.equals(planted)).findFirst().orElseThrow();
        assertEquals(planted, archive.find(name).orElseThrow().key(), "every reader picks the older object");

        WalArchiveStatus status = archiver.status();
        String conflict = status.walConflicts().getFirst();
        assertTrue(conflict.contains(planted) && conflict.contains(archived), conflict);
        Condition error = PitrArchiveRules.evaluate("app", status, Duration.ofHours(1), Long.MAX_VALUE).stream()
                .filter(c -> c.rule().equals(PitrArchiveRules.ERROR)).findFirst().orElseThrow();
        assertTrue(error.firing(), error.toString());
        assertTrue(error.summary().contains(planted) && error.summary().contains(archived), error.summary());

        WalArchiver again = start(archive, slot);
        try {
            Await.until("a new session finds the conflict in the listing", Duration.ofSeconds(30),
                    () -> "streaming".equals(again.status().state()) && !again.status().walConflicts().isEmpty());
            assertTrue(again.status().walConflicts().getFirst().contains(planted));
        } finally {
            again.stop();
        }
    }

    private static WalArchiver start(WalArchive archive, String slot) {
        WalArchiver a = new WalArchiver("app", PgUrl.parse(pg.url("postgres")), slot, Duration.ofSeconds(1), archive, Compression.ZSTD, List.of());
        Thread.ofPlatform().daemon().name("test-wal-" + slot).start(a);
        return a;
    }

    private static String query(String sql) throws Exception {
        try (Connection c = pg.connect("postgres"); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
