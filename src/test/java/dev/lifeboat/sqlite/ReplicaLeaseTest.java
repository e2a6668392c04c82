package dev.lifeboat.sqlite;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.WriterLease;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two agents (two JVMs, "two machines" by their Fly machine ids) replicate two copies of database {@code app} to one
 * replica path in one S3Proxy bucket: one writes, the other stands by and ships nothing; when the writer is SIGKILLed
 * the standby takes over once the lease has gone unrenewed for its TTL, in a new generation; every restore is exact.
 */
class ReplicaLeaseTest {
    private static S3ProxyServer s3;

    @TempDir
    Path dir;

    /** The generation the last restore came from. */
    private volatile String restoredGeneration;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket("replicas");
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    private String yaml(Path db) {
        return "destinations:\n" + s3.destinationYaml("s3", "replicas", "shared") + "    lease-ttl: 3s\n"
                + "databases:\n  app:\n    type: sqlite\n    path: " + db + "\n    destination: s3\n    sync-interval: 100ms\n";
    }

    private Process agent(Path db, String machine, Path log) throws Exception {
        Path config = TestConfigs.write(dir, yaml(db));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + dir,
                "-cp", System.getProperty("java.class.path"), LeaseAgentMain.class.getName(), config.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("FLY_MACHINE_ID", machine);
        return pb.start();
    }

    private static String lastStatus(Path log) {
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> l.startsWith("lease=")).toList();
            return lines.isEmpty() ? "" : lines.getLast();
        } catch (Exception e) {
            return "";
        }
    }

    private static boolean logged(Path log, String text) {
        try {
            return Files.readString(log).contains(text);
        } catch (Exception e) {
            return false;
        }
    }

    private ObjectStore store() throws Exception {
        return SqliteRestoreService.storeFor(TestConfigs.parse(yaml(dir.resolve("any.db"))), "app");
    }

    /** True when a restore of the replica now holds exactly {@code expected}'s rows. */
    private boolean restoresExactly(String expected) {
        try {
            Path out = Files.createTempDirectory(dir, "restore").resolve("app.db");
            restoredGeneration = new SqliteRestorer(store()).restore(new SqliteRestorer.Options(out, null, null, null)).generation();
            return expected.equals(TestDb.fingerprint(out));
        } catch (Exception notYet) {
            return false;
        }
    }

    private Set<String> generations() throws Exception {
        return Set.copyOf(ReplicaCatalog.load(store()).generations().keySet());
    }

    @Test
    void oneWriterAtATimeAndTheStandbyTakesOverOnceTheHolderStopsRenewing() throws Exception {
        Path dbA = Files.createDirectories(dir.resolve("machine-a")).resolve("app.db");
        Path dbB = Files.createDirectories(dir.resolve("machine-b")).resolve("app.db");
        Path logA = dir.resolve("agent-a.log");
        Path logB = dir.resolve("agent-b.log");
        Process a = null;
        Process b = null;
        try (TestDb appA = new TestDb(dbA); TestDb appB = new TestDb(dbB)) {
            appA.insert(0, 200, 500);
            appB.insert(0, 70, 300); // the other machine's copy differs: interleaving would show in a restore
            a = agent(dbA, "machine-a", logA);
            Process first = a;
            Await.until("agent A holds the lease and replicates", Duration.ofSeconds(60),
                    () -> lastStatus(logA).startsWith("lease=held") && !lastStatus(logA).contains("generation=null") || !first.isAlive());
            assertTrue(a.isAlive(), "agent A runs: " + lastStatus(logA));
            b = agent(dbB, "machine-b", logB);
            Await.until("agent B stands by behind machine-a", Duration.ofSeconds(60),
                    () -> lastStatus(logB).startsWith("lease=standby holder=machine-a/pid " + first.pid() + "/")
                            && lastStatus(logB).contains("state=standby: replica lease held by machine-a"));

            for (int round = 1; round <= 8; round++) {
                appA.insert(round * 1000, round * 1000 + 50, 500);
                appB.insert(round * 1000, round * 1000 + 20, 300);
                Thread.sleep(150);
            }
            String expectedA = appA.fingerprint();
            Await.until("the replica restores to A's database exactly", Duration.ofSeconds(60), () -> restoresExactly(expectedA));
            assertEquals(1, generations().size(), "only the writer's generation is in the replica: " + generations());
            String generationA = generations().iterator().next();
            assertEquals(generationA, restoredGeneration);
            assertFalse(logged(logB, "lease=held"), "B never wrote while A held the lease");
            assertTrue(lastStatus(logB).contains("generation=null"), "B never started a generation: " + lastStatus(logB));

            a.destroyForcibly().waitFor(); // SIGKILL: no release, the lease must expire
            assertTrue(logged(logB, "lease=standby"), "B waited");
            Await.until("agent B takes the replica over", Duration.ofSeconds(60),
                    () -> lastStatus(logB).startsWith("lease=held") && !lastStatus(logB).contains("generation=null"));
            appB.insert(50_000, 50_100, 300);
            String expectedB = appB.fingerprint();
            Await.until("the replica restores to B's database exactly", Duration.ofSeconds(60), () -> restoresExactly(expectedB));
            String generationB = restoredGeneration;
            assertNotEquals(generationA, generationB, "the new writer starts its own generation");
            assertTrue(lastStatus(logB).contains(" generation=" + generationB + " "), lastStatus(logB));

            // A's objects all predate B's: the two writers never interleaved.
            List<ObjectInfo> objects = store().list(ReplicaLayout.GENERATIONS);
            var lastOfA = objects.stream().filter(o -> o.key().contains(generationA)).map(ObjectInfo::lastModified).max(java.util.Comparator.naturalOrder()).orElseThrow();
            var firstOfB = objects.stream().filter(o -> o.key().contains(generationB)).map(ObjectInfo::lastModified).min(java.util.Comparator.naturalOrder()).orElseThrow();
            assertFalse(lastOfA.isAfter(firstOfB), "A wrote " + lastOfA + " after B began " + firstOfB);
            assertEquals(Set.of(generationA, generationB), generations());

            // The lease object sits beside generations/: litestream restores the newest generation, B's, unconfused.
            Path cfg = Litestream.s3Config(dir, dbB, s3.endpoint(), "replicas", "shared/app", S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
            Path theirs = dir.resolve("litestream.db");
            Litestream.restoreWithConfig(cfg, theirs, dbB);
            assertEquals(expectedB, TestDb.fingerprint(theirs));

            b.destroy(); // SIGTERM: final sync and release
            assertTrue(b.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(logged(logB, "stopped cleanly"));
            var lease = new ObjectMapper().findAndRegisterModules()
                    .readValue(store().get(WriterLease.KEY).readAllBytes(), WriterLease.Record.class);
            assertTrue(lease.released(), "a clean stop releases the lease: " + lease);
            assertTrue(lease.holder().startsWith("machine-b/pid " + b.pid() + "/"), lease.holder());
        } finally {
            for (Process p : new Process[] {a, b}) {
                if (p != null) {
                    ExternalProcess.stop(p);
                }
            }
        }
    }
}
