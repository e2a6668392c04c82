package dev.lifeboat.pitr;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The archive lag of WAL committed while an upload is in flight (issue 14's commit-to-archived target, p99 at most
 * twice {@code archive-timeout}), against a real PostgreSQL 15 and S3Proxy behind a FaultProxy that makes every
 * request slow. Such WAL is read only once that upload ends; its partial is due {@code archive-timeout} after the
 * upload started. Counting from the upload's end instead (the archiver before) made it wait the rest of that upload,
 * a whole timeout and its own upload: one upload more, past twice the timeout whenever uploads take half of it.
 */
class WalArchiverLagTest {
    /** At least three uploads, so the delete of a superseded partial after an upload is done before the next one is due. */
    static final Duration ARCHIVE_TIMEOUT = Duration.ofSeconds(6);
    /** Every store request's delay (twice on a new connection): an upload takes about this. */
    static final Duration UPLOAD = Duration.ofSeconds(2);

    static PostgresServer pg;
    static S3ProxyServer s3;
    static FaultProxy proxy;
    static ObjectStore bucket;
    static ObjectStore direct;
    static WalArchiver archiver;

    @BeforeAll
    static void start() throws IOException {
        pg = PostgresServer.startWith("max_wal_senders=4", "max_replication_slots=4");
        pg.sql("postgres", "SELECT pg_switch_wal()", "CHECKPOINT", "CREATE TABLE lag (id serial, at timestamptz DEFAULT now())");
        s3 = S3ProxyServer.start();
        s3.createBucket("lag");
        proxy = FaultProxy.http("127.0.0.1", s3.port());
        bucket = ObjectStores.open(TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "lag", "").replace(s3.endpoint(), proxy.endpoint())
                + "    request-timeout: 30s\n").destinations().get("s3"));
        direct = ObjectStores.open(TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "lag", "")).destinations().get("s3"));
    }

    @AfterAll
    static void stop() {
        if (archiver != null) {
            archiver.stop();
        }
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

    static Lsn durable() {
        try {
            return new WalArchive(new PrefixedStore(direct, "db/"), List.of()).archivedEnd(16 << 20)
                    .map(WalArchive.ArchivedEnd::durable).orElse(Lsn.ZERO);
        } catch (IOException e) {
            return Lsn.ZERO;
        }
    }

    static Lsn commit() throws Exception {
        pg.sql("postgres", "INSERT INTO lag DEFAULT VALUES");
        return WalArchiverTest.lsn(pg, "SELECT pg_current_wal_insert_lsn()::text");
    }

    @Test
    void walCommittedDuringASlowUploadIsStoredWithinTheTimeoutAndOneUpload() throws Exception {
        archiver = new WalArchiver("db", PgUrl.parse(pg.url("postgres")), "lag_slot", ARCHIVE_TIMEOUT,
                new WalArchive(new PrefixedStore(bucket, "db/"), List.of()), Compression.ZSTD, List.of());
        Thread t = new Thread(archiver, "test-wal-lag");
        t.setDaemon(true);
        t.start();
        Lsn first = commit();
        Await.until("a first partial", Duration.ofSeconds(30), () -> !first.isAfter(durable()));
        Thread.sleep(ARCHIVE_TIMEOUT.toMillis()); // a quiet period: the next WAL is stored at once

        proxy.latency(UPLOAD);
        long seen = proxy.requestsSeen();
        commit();
        Await.until("the next partial's upload to begin", ARCHIVE_TIMEOUT.multipliedBy(2), () -> proxy.requestsSeen() > seen);
        long committedAt = System.nanoTime();
        Lsn during = commit();
        // Due archive-timeout after the upload in flight started (by then that upload and the delete of the partial it
        // superseded are done), stored one upload later. Half an upload of slack; the archiver before took an upload
        // more, counting the timeout from the end of the upload in flight.
        Duration bound = ARCHIVE_TIMEOUT.plus(UPLOAD).plus(UPLOAD.dividedBy(2));
        try {
            Await.until("WAL committed during an upload (" + during + ") stored within " + bound, bound, () -> !during.isAfter(durable()));
        } finally {
            proxy.pass();
            System.out.printf("WAL committed during an upload stored after %d ms (bound %d ms)%n",
                    (System.nanoTime() - committedAt) / 1_000_000, bound.toMillis());
        }
    }
}
