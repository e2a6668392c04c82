package dev.lifeboat.cli;

import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lifeboat check-config} as a user runs it: exit codes and what is printed. */
@QuarkusMainTest
class CheckConfigCommandTest {

    @Test
    void validConfigExitsZeroAndSummarizes(QuarkusMainLauncher launcher) throws Exception {
        Path file = TestConfigs.write(Files.createTempDirectory("cc"), """
                destinations:
                  local: { url: 'file:///tmp/lifeboat-cc' }
                databases:
                  app: { type: sqlite, path: /tmp/lifeboat-cc.db, destination: local }
                """);
        LaunchResult result = launcher.launch("check-config", "--config", file.toString());
        assertEquals(0, result.exitCode(), result.getErrorOutput());
        assertTrue(result.getOutput().contains("is valid: 1 destination(s), 1 database(s)"), result.getOutput());
    }

    @Test
    void invalidConfigExitsTwoListingEveryProblemWithoutAStackTrace(QuarkusMainLauncher launcher) throws Exception {
        Path file = TestConfigs.write(Files.createTempDirectory("cc"), """
                destinations:
                  main: { url: 'ftp://nowhere' }
                databases:
                  app: { type: sqlite, destination: backup }
                """);
        LaunchResult result = launcher.launch("check-config", "--config", file.toString());
        assertEquals(2, result.exitCode());
        String err = result.getErrorOutput();
        assertTrue(err.contains("destinations.main.url: unsupported scheme"), err);
        assertTrue(err.contains("databases.app.destination: no destination named 'backup'"), err);
        assertTrue(err.contains("databases.app.path: a sqlite database needs path:"), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
    }

    @Test
    void missingFileExitsTwo(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch("check-config", "--config", "/nonexistent/lifeboat.yml");
        assertEquals(2, result.exitCode());
        assertTrue(result.getErrorOutput().contains("file not found: /nonexistent/lifeboat.yml"), result.getErrorOutput());
        assertTrue(result.getErrorOutput().contains("\nhint: pass --config FILE or set LIFEBOAT_CONFIG"), result.getErrorOutput());
    }

    @Test
    void agentRefusesToStartOnAnInvalidConfig(QuarkusMainLauncher launcher) throws Exception {
        Path file = TestConfigs.write(Files.createTempDirectory("cc"), "databases:\n  app: { type: sqlite }\n");
        LaunchResult result = launcher.launch("agent", "--config", file.toString());
        assertEquals(2, result.exitCode());
        assertTrue(result.getErrorOutput().contains("databases.app.destination: required key is missing"), result.getErrorOutput());
    }

    @Test
    void wrongShapesBareNumbersAndOneFileTwiceExitTwoNamingEveryKey(QuarkusMainLauncher launcher) throws Exception {
        Path file = TestConfigs.write(Files.createTempDirectory("cc"), """
                destinations:
                  local: { url: 'file:///tmp/lifeboat-cc', part-size: 16 }
                databases:
                  a: { type: sqlite, path: /tmp/lifeboat-cc.db, destination: local, sync-interval: 5 }
                  b: { type: sqlite, path: /tmp/x/../lifeboat-cc.db, destination: local, drill: yes }
                alerts: [slack]
                http: { api-token: short }
                """);
        LaunchResult result = launcher.launch("check-config", "--config", file.toString());
        assertEquals(2, result.exitCode(), result.getOutput());
        String err = result.getErrorOutput();
        assertTrue(err.contains("alerts: expected a mapping of settings"), err);
        assertTrue(err.contains("databases.b.drill: expected a mapping of settings"), err);
        assertTrue(err.contains("databases.a.sync-interval: '5' is a bare number: write a duration with its unit, one of 500ms, 30s"), err);
        assertTrue(err.contains("destinations.local.part-size: '16' is a bare number: write a size with its unit, one of 512KiB, 16MiB"), err);
        assertTrue(err.contains("databases.b.path: names the same SQLite file as databases.a.path"), err);
        assertTrue(err.contains("http.api-token: too short"), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
    }

    @Test
    void theAgentRefusesAListWhereAMapBelongs(QuarkusMainLauncher launcher) throws Exception {
        Path file = TestConfigs.write(Files.createTempDirectory("cc"), "destinations:\n  - url: 'file:///tmp/lifeboat-cc'\n");
        LaunchResult result = launcher.launch("agent", "--config", file.toString());
        assertEquals(2, result.exitCode());
        assertTrue(result.getErrorOutput().contains("destinations: expected a mapping of names to settings"), result.getErrorOutput());
    }

    @Test
    void aConfigWithoutDatabasesIsValidButSaysSo(QuarkusMainLauncher launcher) throws Exception {
        Path file = TestConfigs.write(Files.createTempDirectory("cc"), "destinations:\n  local: { url: 'file:///tmp/lifeboat-cc' }\n");
        LaunchResult result = launcher.launch("check-config", "--config", file.toString());
        assertEquals(0, result.exitCode(), result.getErrorOutput());
        assertTrue(result.getOutput().contains("0 database(s)"), result.getOutput());
        assertTrue(result.getOutput().contains("warning: no databases are configured"), result.getOutput());
    }
}
