package dev.lifeboat.sqlite;

import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.FaultProxy;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replication's threads: many databases share a few threads (a thread per database kept 20 stacks for 20 idle
 * databases), and a database whose destination hangs does not stall the others' syncs, nor their lease renewals.
 */
class ReplicationThreadsTest {
    private static final String THREADS = "lifeboat-sqlite-threads-test";

    @TempDir
    Path dir;

    @Test
    void twentyDatabasesReplicateOnAFewThreadsAndTheStopEndsThem() throws Exception {
        StringBuilder yaml = new StringBuilder("destinations:\n  local: { url: 'file://" + dir.resolve("replica") + "' }\ndatabases:\n");
        List<TestDb> apps = new ArrayList<>();
        ReplicationService service = new ReplicationService();
        service.registry = new SimpleMeterRegistry();
        service.threadNames = THREADS; // an agent started by a Quarkus test may replicate in this JVM too
        try {
            for (int i = 0; i < 20; i++) {
                apps.add(new TestDb(dir.resolve("app" + i + ".db")));
                yaml.append("  app").append(i).append(": { type: sqlite, path: ").append(dir.resolve("app" + i + ".db"))
                        .append(", destination: local, sync-interval: 100ms }\n");
            }
            service.start(TestConfigs.parse(yaml.toString()));
            for (int round = 0; round < 3; round++) {
                shipsWhatIsCommitted(service, apps, round);
            }
            List<String> threads = replicationThreads();
            assertTrue(threads.size() <= ReplicationService.THREADS + 1,
                    "20 databases replicate on at most " + ReplicationService.THREADS + " threads and a timer: " + threads);
        } finally {
            service.stop();
            for (TestDb app : apps) {
                app.close();
            }
        }
        assertEquals(List.of(), replicationThreads(), "the stop ends every replication thread");
        for (int i = 0; i < 20; i++) {
            Path restored = dir.resolve("restored" + i + ".db");
            new SqliteRestorer(new dev.lifeboat.store.FileStore(dir.resolve("replica/app" + i)))
                    .restore(new SqliteRestorer.Options(restored, null, null, null));
            assertEquals(TestDb.fingerprint(dir.resolve("app" + i + ".db")), TestDb.fingerprint(restored), "app" + i + " restores exactly");
        }
    }

    /**
     * One database's destination black-holed (its sync and its lease renewal hang for request-timeout): the others
     * keep shipping every commit, also past their lease TTL, which a lease renewal stuck behind the hung one would let
     * lapse (they would then stop shipping, "waiting to renew the replica lease").
     */
    @Test
    void aDatabaseWhoseDestinationHangsDoesNotStallTheOthers() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(); FaultProxy proxy = FaultProxy.http("127.0.0.1", s3.port())) {
            s3.createBucket("replicas");
            Duration ttl = Duration.ofSeconds(3);
            StringBuilder yaml = new StringBuilder("destinations:\n"
                    + "  local: { url: 'file://" + dir.resolve("replica") + "', lease-ttl: 3s }\n"
                    + "  hung:\n    url: s3://replicas/hung\n    endpoint: " + proxy.endpoint() + "\n    region: us-east-1\n    path-style: true\n"
                    + "    access-key-id: " + S3ProxyServer.ACCESS_KEY + "\n    secret-access-key: " + S3ProxyServer.SECRET_KEY + "\n"
                    + "    request-timeout: 30s\n    lease-ttl: 3s\n"
                    + "databases:\n  slow: { type: sqlite, path: " + dir.resolve("slow.db") + ", destination: hung, sync-interval: 100ms }\n");
            List<TestDb> apps = new ArrayList<>();
            ReplicationService service = new ReplicationService();
            service.registry = new SimpleMeterRegistry();
            service.threadNames = THREADS;
            try (TestDb slow = new TestDb(dir.resolve("slow.db"))) {
                for (int i = 0; i < 4; i++) {
                    apps.add(new TestDb(dir.resolve("app" + i + ".db")));
                    yaml.append("  app").append(i).append(": { type: sqlite, path: ").append(dir.resolve("app" + i + ".db"))
                            .append(", destination: local, sync-interval: 100ms }\n");
                }
                service.start(TestConfigs.parse(yaml.toString()));
                slow.insert(0, 10, 100);
                Replicator slowReplicator = service.replicators().get("slow");
                Await.until("the slow database's first snapshot", Duration.ofSeconds(30),
                        () -> slowReplicator.stats().snapshots.get() > 0);

                proxy.blackhole();
                slow.insert(10, 20, 100); // its next sync uploads into the black hole and hangs there
                long hungSince = System.nanoTime();
                int round = 0;
                while (System.nanoTime() - hungSince < ttl.multipliedBy(2).toNanos()) {
                    shipsWhatIsCommitted(service, apps, round++);
                }
                assertTrue(slowReplicator.stats().unshippedSince != null, "the slow database's commits wait in the black hole: "
                        + slowReplicator.stats().status());
            } finally {
                proxy.reset(); // the hung requests fail at once: the stop's final sync does not wait out the timeouts
                service.stop();
                for (TestDb app : apps) {
                    app.close();
                }
            }
        }
    }

    /** Commits a row in each of {@code apps} and waits until each database's replication has shipped it. */
    private static void shipsWhatIsCommitted(ReplicationService service, List<TestDb> apps, int round) throws Exception {
        long[] before = new long[apps.size()];
        for (int i = 0; i < apps.size(); i++) {
            before[i] = service.replicators().get("app" + i).stats().shippedBytes.get();
            apps.get(i).insert(1000 + round, 1001 + round, 100);
        }
        for (int i = 0; i < apps.size(); i++) {
            ReplicaStats stats = service.replicators().get("app" + i).stats();
            long shipped = before[i];
            Await.until("app" + i + " ships round " + round + " (" + stats.status() + ")", Duration.ofSeconds(20),
                    () -> stats.shippedBytes.get() > shipped && stats.unshippedSince == null);
        }
    }

    private static List<String> replicationThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(THREADS)).sorted().toList();
    }
}
