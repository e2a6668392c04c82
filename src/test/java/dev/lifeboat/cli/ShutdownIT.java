package dev.lifeboat.cli;

import dev.lifeboat.sqlite.SqliteFiles;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.LifeboatBinary;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shutdown as Fly drives it: a stop sends SIGTERM (SIGINT with {@code kill_signal = "SIGINT"}), waits
 * {@code kill_timeout} (5 s by default) and then sends SIGKILL. The packaged agent replicates a SQLite database that
 * a busy writer keeps writing; the test signals it the way Fly does, SIGKILLs it if it is still there after the
 * timeout, and asserts that it had exited by itself with the signal's conventional code (128 + n) and that a restore
 * holds every row committed before the signal. The sync interval is an hour: only the final sync can have shipped
 * those rows.
 */
class ShutdownIT {
    /** Fly's default kill_timeout (fly.toml). */
    static final Duration FLY_KILL_TIMEOUT = Duration.ofSeconds(5);

    @ParameterizedTest(name = "SIG{0}")
    @CsvSource({"TERM, 143", "INT, 130"})
    void aSignalEndsInAFinalSyncAndACleanExitBeforeFlyKills(String signal, int expectedExit) throws Exception {
        Path dir = Files.createTempDirectory("lifeboat-shutdown-");
        Path db = dir.resolve("app.db");
        try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
        }
        Path replica = dir.resolve("replica");
        Path config = dir.resolve("lifeboat.yml");
        Files.writeString(config, """
                destinations:
                  local:
                    url: file:%s
                databases:
                  app:
                    type: sqlite
                    path: %s
                    destination: local
                    sync-interval: 1h
                    drill: {enabled: false}
                """.formatted(replica, db));
        int port = ExternalProcess.freePort();
        Path log = dir.resolve("agent.log");
        Process agent = LifeboatBinary.start(dir, log, port, Map.of(), "agent", "--config", config.toString());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong lastCommitted = new AtomicLong();
        Thread writer = null;
        try {
            ExternalProcess.awaitPort(port, agent, log, Duration.ofSeconds(60));
            awaitFiles(replica, agent, log); // the first snapshot is there: replication runs

            writer = Thread.ofPlatform().name("busy-writer").start(() -> {
                try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
                    s.execute("PRAGMA busy_timeout=30000");
                    s.execute("PRAGMA synchronous=NORMAL");
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO t (v) VALUES (randomblob(200))",
                            Statement.RETURN_GENERATED_KEYS)) {
                        while (!stop.get()) {
                            insert.executeUpdate();
                            try (ResultSet keys = insert.getGeneratedKeys()) {
                                keys.next();
                                lastCommitted.set(keys.getLong(1));
                            }
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            while (lastCommitted.get() < 2000) {
                Thread.sleep(20);
            }
            long committedBeforeSignal = lastCommitted.get();
            new ProcessBuilder("kill", "-" + signal, Long.toString(agent.pid())).start().waitFor();

            boolean exitedInTime = agent.waitFor(FLY_KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!exitedInTime) {
                agent.destroyForcibly().waitFor(); // what Fly does after kill_timeout
            }
            stop.set(true);
            writer.join();
            assertTrue(exitedInTime, "the agent was still running " + FLY_KILL_TIMEOUT + " after SIG" + signal
                    + " (Fly would SIGKILL it):\n" + Files.readString(log));
            assertEquals(expectedExit, agent.exitValue(), Files.readString(log));
            assertTrue(Files.readString(log).contains("sqlite app: final sync done"), Files.readString(log));

            Path restored = dir.resolve("restored.db");
            ExternalProcess.run(LifeboatBinary.command("restore", "app", "-o", restored.toString(), "--config", config.toString()),
                    Duration.ofSeconds(120));
            try (Connection c = SqliteFiles.open(restored); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), coalesce(max(id), 0) FROM t WHERE id <= " + committedBeforeSignal)) {
                rs.next();
                assertEquals(committedBeforeSignal, rs.getLong(1), "rows committed before SIG" + signal + " in the restored database");
                assertEquals(committedBeforeSignal, rs.getLong(2));
            }
        } finally {
            stop.set(true);
            if (writer != null) {
                writer.join();
            }
            ExternalProcess.stop(agent);
        }
    }

    private static void awaitFiles(Path replica, Process agent, Path log) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (Files.isDirectory(replica)) {
                try (Stream<Path> files = Files.walk(replica)) {
                    if (files.anyMatch(Files::isRegularFile)) {
                        return;
                    }
                }
            }
            assertTrue(agent.isAlive(), "agent exited early:\n" + Files.readString(log));
            Thread.sleep(100);
        }
        throw new AssertionError("no replica files after 60 s:\n" + Files.readString(log));
    }
}
