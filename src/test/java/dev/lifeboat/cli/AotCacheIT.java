package dev.lifeboat.cli;

import dev.lifeboat.sqlite.SqliteFiles;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bin/lifeboat's AOT cache (JDK 25+, JEP 483/514/515) as a user meets it: trained on a real agent run
 * (bin/AotTraining.java), so the agent's replication and a CLI restore load their classes from it; a cache that no
 * longer matches the build is trained again instead of being handed to a JVM that would silently ignore it; and a
 * cache the JVM cannot use changes neither start-up nor what a command prints on stdout. Which class came from the
 * cache is the JVM's own account ({@code -Xlog:class+load}: "source: shared objects file").
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AotCacheIT {
    static final Path APP = Path.of("target/quarkus-app").toAbsolutePath();
    static final Path CACHE = APP.resolve("lifeboat.aot");
    static final Path KEY = APP.resolve("lifeboat.aot.key");
    static final Path LAUNCHER = Path.of("bin/lifeboat").toAbsolutePath();
    static final Duration TRAINING = Duration.ofMinutes(3);

    @Test
    @Order(1)
    void aStaleCacheIsTrainedAgainOnAnAgentRunAndTheAgentAndACliRestoreLoadFromIt() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25");
        Files.writeString(CACHE, "a cache of another build");
        Files.writeString(KEY, "another build\n");

        Path dir = Files.createTempDirectory("lifeboat-aot-");
        Path db = dir.resolve("app.db");
        try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) INSERT INTO t (v) SELECT hex(randomblob(20)) FROM n");
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
        Path agentClasses = dir.resolve("agent-classes.log");
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "agent", "--config", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PORT", String.valueOf(port));
        pb.environment().put("LIFEBOAT_JAVA_OPTS", "-Xlog:class+load=info:file=" + agentClasses);
        Process agent = pb.start();
        try {
            ExternalProcess.awaitPort(port, agent, log, TRAINING);
            Await.until("the first snapshot in the replica", Duration.ofSeconds(60), () -> hasSnapshot(replica));
        } finally {
            agent.destroy();
            assertTrue(agent.waitFor(60, TimeUnit.SECONDS), "the agent stops on SIGTERM");
        }
        String agentLog = Files.readString(log);
        assertTrue(agentLog.contains("lifeboat: training the AOT cache"), "a cache whose key is not the build's is trained again:\n" + agentLog);
        assertNotEquals("another build", Files.readString(KEY).strip(), "the new cache has the build's key");
        assertLoadedFromTheCache(agentClasses, "dev.lifeboat.cli.AgentCommand", "dev.lifeboat.sqlite.Replicator", "dev.lifeboat.sqlite.WalCopier");

        Path restored = dir.resolve("restored.db");
        Path restoreClasses = dir.resolve("restore-classes.log");
        Run restore = lifeboat(Map.of("LIFEBOAT_JAVA_OPTS", "-Xlog:class+load=info:file=" + restoreClasses),
                "restore", "app", "-o", restored.toString(), "--config", config.toString());
        assertEquals(0, restore.exit, restore.toString());
        assertFalse(restore.stderr.contains("training"), "the cache is trained once per build:\n" + restore);
        assertLoadedFromTheCache(restoreClasses, "dev.lifeboat.cli.RestoreCommand", "dev.lifeboat.sqlite.SqliteRestorer");
        try (Connection c = SqliteFiles.open(restored); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            assertEquals(300, rs.getLong(1));
        }
    }

    @Test
    @Order(2) // the cache the first test trained; run alone, it trains one (~15 s)
    void aCacheTheJvmCannotUseChangesNeitherStartUpNorWhatACommandPrints() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25");
        assertEquals(0, lifeboat(Map.of(), "--version").exit, "a trained cache for this build");
        Path good = Files.createTempFile("lifeboat-aot-", ".aot");
        Files.copy(CACHE, good, StandardCopyOption.REPLACE_EXISTING);
        try {
            // The build's key, but bytes no JVM can map (a copy from elsewhere, a truncated write): bin/lifeboat cannot
            // tell, the JVM can, and must go on without it and say so on stderr, not on the command's stdout.
            Files.writeString(CACHE, "not an AOT cache");
            Path classes = Files.createTempFile("lifeboat-aot-classes-", ".log");
            Run version = lifeboat(Map.of("LIFEBOAT_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes), "--version");
            assertEquals(0, version.exit, version.toString());
            assertTrue(Pattern.matches("lifeboat \\d+\\.\\d+\\.\\d+\\S*\nSQLite \\d+\\.\\d+\\.\\d+\n", version.stdout),
                    "stdout is the version and nothing else: " + version);
            assertTrue(version.stderr.contains("AOT cache"), "the JVM says on stderr that it ignored the cache: " + version);
            assertFalse(Files.readString(classes).contains("dev.lifeboat.LifeboatMain source: shared objects file"), "no class from the unusable cache");
        } finally {
            Files.copy(good, CACHE, StandardCopyOption.REPLACE_EXISTING);
            Files.delete(good);
        }
    }

    static boolean hasSnapshot(Path replica) {
        try (var files = Files.walk(replica)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".snapshot.lz4"));
        } catch (IOException | java.io.UncheckedIOException notYet) {
            return false;
        }
    }

    /** Each class was loaded, and from the AOT cache. */
    static void assertLoadedFromTheCache(Path classLoadLog, String... classes) throws IOException {
        String log = Files.readString(classLoadLog);
        for (String name : classes) {
            assertTrue(log.contains(" " + name + " source: shared objects file"), name + " is loaded from the AOT cache: "
                    + log.lines().filter(l -> l.contains(" " + name + " ")).findFirst().orElse("not loaded at all"));
        }
    }

    record Run(int exit, String stdout, String stderr) {
    }

    static Run lifeboat(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("lifeboat-aot-out-", ".txt");
        Path err = Files.createTempFile("lifeboat-aot-err-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("LIFEBOAT_CONFIG");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(TRAINING.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " timed out");
        }
        Run run = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return run;
    }
}
