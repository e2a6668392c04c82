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
}
