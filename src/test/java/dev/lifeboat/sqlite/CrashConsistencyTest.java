package dev.lifeboat.sqlite;

import dev.lifeboat.store.FileStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A writer commits numbered transactions without pause while the replicating process is SIGKILLed at random
 * moments and restarted. After every kill, a restore must pass integrity_check and hold exactly rows 0..n-1 for
 * some n the writer had committed; after a graceful stop, every committed row.
 */
class CrashConsistencyTest {
    static final int CYCLES = Integer.getInteger("lifeboat.crash.cycles", 50);
    /** Kill moments differ per run (each run explores new ones); a failure names the seed to retry it with. */
    static final long SEED = Long.getLong("lifeboat.crash.seed", System.nanoTime());

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void sigkilledReplicationNeverLeavesACorruptOrInconsistentReplica() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica/app");
        AtomicLong committed = new AtomicLong();
        // Set before each commit: a row is visible (and can be shipped) before committed.set runs after it.
        AtomicLong attempted = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> writerError = new AtomicReference<>();
        try (Connection w = SqliteFiles.open(db); Statement s = w.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA busy_timeout=30000");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad BLOB)");
        }
        Thread writer = new Thread(() -> {
            try (Connection w = SqliteFiles.open(db)) {
                try (Statement s = w.createStatement()) {
                    s.execute("PRAGMA busy_timeout=30000");
                }
                try (PreparedStatement ps = w.prepareStatement("INSERT INTO t (id, v, pad) VALUES (?, ?, zeroblob(?))")) {
                    for (long i = 0; !stop.get(); i++) {
                        ps.setLong(1, i);
                        ps.setLong(2, expectedV(i));
                        ps.setInt(3, (int) (i % 200));
                        attempted.set(i + 1);
                        ps.executeUpdate();
                        committed.set(i + 1);
                    }
                }
            } catch (Throwable t) {
                writerError.set(t);
            }
        }, "writer");
        writer.start();
        Random random = new Random(SEED);
        System.out.println("CrashConsistencyTest: " + CYCLES + " cycles, -Dlifeboat.crash.seed=" + SEED + ", files in " + dir);
        int restoredNonEmpty = 0;
        int continued = 0;
        try {
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                Process agent = startAgent(db, replica, cycle);
                if (cycle % 4 != 3) {
                    awaitFirstSync(agent, dir.resolve("agent-" + cycle + ".log")); // else: killed while starting up
                }
                Thread.sleep(random.nextInt(500));
                // Every other cycle a reader keeps the app from restarting the WAL while the agent is down, so that the
                // restarted agent continues its generation (else the app's own checkpoints usually force a new one).
                Connection pin = cycle % 2 == 1 ? pinWal(db) : null;
                agent.destroyForcibly(); // SIGKILL
                agent.waitFor(10, TimeUnit.SECONDS);
                assertNull(writerError.get(), () -> "writer failed: " + writerError.get());
                long n = checkRestore(replica, dir.resolve("restore-" + cycle + ".db"), attempted.get());
                if (n > 0) {
                    restoredNonEmpty++;
                }
                if (pin != null) {
                    Process next = startAgent(db, replica, cycle + 1000);
                    awaitFirstSync(next, dir.resolve("agent-" + (cycle + 1000) + ".log"));
                    pin.close();
                    continued += Files.readString(dir.resolve("agent-" + (cycle + 1000) + ".log")).contains("continuing generation") ? 1 : 0;
                    next.destroyForcibly();
                    next.waitFor(10, TimeUnit.SECONDS);
                    checkRestore(replica, dir.resolve("restore-" + cycle + "-continued.db"), attempted.get());
                }
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertNull(writerError.get());
        assertTrue(restoredNonEmpty > CYCLES / 2, "most cycles should have replicated something: " + restoredNonEmpty
                + "; last log: " + Files.readString(dir.resolve("agent-" + (CYCLES - 1) + ".log")));
        System.out.println("CrashConsistencyTest: " + restoredNonEmpty + " non-empty restores, " + continued + " restarts continued their generation");
        assertTrue(continued > CYCLES / 8, "restarts behind a pinned WAL should mostly continue their generation: " + continued);

        // Graceful stop: nothing committed may be lost.
        Process agent = startAgent(db, replica, -1);
        awaitFirstSync(agent, dir.resolve("agent--1.log")); // its shutdown hook is in place
        agent.destroy(); // SIGTERM: final sync
        assertTrue(agent.waitFor(60, TimeUnit.SECONDS));
        long n = checkRestore(replica, dir.resolve("restore-final.db"), committed.get());
        assertEquals(committed.get(), n, "after a graceful stop the replica must hold every committed row; log: "
                + Files.readString(dir.resolve("agent--1.log")));
    }

    /** A read transaction on the database: SQLite cannot restart the WAL past it. */
    private static Connection pinWal(Path db) throws SQLException {
        Connection c = SqliteFiles.open(db);
        c.setAutoCommit(false);
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
            rs.next();
        }
        return c;
    }

    private static void awaitFirstSync(Process agent, Path log) throws Exception {
        for (int i = 0; i < 600 && agent.isAlive(); i++) {
            if (Files.exists(log) && Files.readString(log).contains("synced ")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("replicating process did not sync: " + Files.readString(log));
    }

    static long expectedV(long i) {
        return (i * 2654435761L) % 1000003L;
    }

    private Process startAgent(Path db, Path replica, int cycle) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("agent-" + cycle + ".log");
        return new ProcessBuilder(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                // native libraries the drivers unpack stay in this test's directory: a SIGKILLed JVM never deletes them
                "-Djava.io.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"),
                ReplicatorProcessMain.class.getName(), db.toString(), replica.toString(), "100", "300", "2000"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Restores into {@code out}; returns n when it holds exactly rows 0..n-1 with their values and n <= {@code committed} (an upper bound). */
    private static long checkRestore(Path replica, Path out, long committed) throws Exception {
        if (!Files.exists(replica) || ReplicaCatalog.load(new FileStore(replica)).isEmpty()) {
            return 0;
        }
        new SqliteRestorer(new FileStore(replica)).restore(new SqliteRestorer.Options(out, null, null, null));
        assertTrue(SqliteFiles.integrityProblems(out).isEmpty(), "integrity_check failed on " + out);
        try (Connection c = SqliteFiles.open(out); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), coalesce(min(id), 0), coalesce(max(id), -1),"
                     + " coalesce(sum(v != (id * 2654435761) % 1000003), 0), coalesce(sum(length(pad) != id % 200), 0) FROM t")) {
            rs.next();
            long count = rs.getLong(1);
            assertEquals(0, rs.getLong(2), "first row");
            assertEquals(count - 1, rs.getLong(3), "rows must be exactly 0..n-1 (a committed prefix)");
            assertEquals(0, rs.getLong(4), "row values");
            assertEquals(0, rs.getLong(5), "row payloads");
            assertTrue(count <= committed, "restored more rows (" + count + ") than committed (" + committed + ")");
            return count;
        } catch (SQLException e) {
            throw new AssertionError("restored database unreadable: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
