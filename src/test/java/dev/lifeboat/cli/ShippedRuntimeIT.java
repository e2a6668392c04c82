package dev.lifeboat.cli;

import dev.lifeboat.sqlite.SqliteFiles;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runtime Dockerfile.jvm ships, built here by the same script (bin/jlink-runtime: the jlink'd modules, the JVM
 * flags, the launcher, the AOT cache): the agent runs on it, loads its replication classes from the AOT cache trained
 * at build time (JDK 25+), replicates a SQLite database to a file destination and stops on SIGTERM; a restore through
 * the same launcher gives back every row. A module the script leaves out that a
 * run needs fails here (NoClassDefFoundError at start, or in the replication or restore path).
 */
class ShippedRuntimeIT {
    static final Path RUNTIME = Path.of("target/jlink-runtime-it").toAbsolutePath();

    @Test
    void theAgentReplicatesAndRestoresOnTheJlinkedRuntime() throws Exception {
        ExternalProcess.run(List.of("bin/jlink-runtime", RUNTIME.toString()), Duration.ofMinutes(5));
        Path launcher = RUNTIME.resolve("bin/lifeboat");
        assertTrue(Files.isExecutable(launcher));
        try (Stream<Path> modules = Files.list(RUNTIME.resolve("legal"))) {
            assertTrue(modules.noneMatch(m -> m.getFileName().toString().equals("java.desktop")),
                    "the runtime holds only the modules bin/jlink-runtime names (no java.desktop)");
        }
        if (Runtime.version().feature() >= 25) {
            assertTrue(Files.size(RUNTIME.resolve("lifeboat.aot")) > 0, "the AOT cache is trained at build time");
        }

        Path dir = Files.createTempDirectory("lifeboat-runtime-");
        Path db = dir.resolve("app.db");
        try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO t (v) SELECT hex(randomblob(50)) FROM n");
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
                    sync-interval: 100ms
                    drill: {enabled: false}
                """.formatted(replica, db));
        int port = ExternalProcess.freePort();
        Path log = dir.resolve("agent.log");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "agent", "--config", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PORT", String.valueOf(port));
        Path classes = dir.resolve("agent-classes.log");
        pb.environment().put("LIFEBOAT_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes);
        Process agent = pb.start();
        try {
            ExternalProcess.awaitPort(port, agent, log, Duration.ofSeconds(60));
            Await.until("the first snapshot in the replica", Duration.ofSeconds(60), () -> hasFiles(replica));
            try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
                s.execute("INSERT INTO t (v) VALUES ('written while the agent ran')");
            }
        } finally {
            agent.destroy();
            assertTrue(agent.waitFor(60, TimeUnit.SECONDS), "the agent stops on SIGTERM");
        }
        assertEquals(143, agent.exitValue(), Files.readString(log));
        assertTrue(Files.readString(log).contains("sqlite app: final sync done"), Files.readString(log));
        if (Runtime.version().feature() >= 25) {
            // Trained on an agent run at build time, so the agent's replication classes come from the cache.
            AotCacheIT.assertLoadedFromTheCache(classes, "dev.lifeboat.cli.AgentCommand", "dev.lifeboat.sqlite.Replicator");
        }

        Path restored = dir.resolve("restored.db");
        ExternalProcess.run(List.of(launcher.toString(), "restore", "app", "-o", restored.toString(), "--config", config.toString()),
                Duration.ofMinutes(2));
        try (Connection c = SqliteFiles.open(restored); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), max(v) FILTER (WHERE id = 5001) FROM t")) {
            rs.next();
            assertEquals(5001, rs.getLong(1));
            assertEquals("written while the agent ran", rs.getString(2));
        }
    }

    static boolean hasFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.anyMatch(Files::isRegularFile);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
