package dev.lifeboat.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerModeConfigSourceTest {
    @Test
    void shortCommandsDoNotServeHttp() {
        assertTrue(ServerModeConfigSource.isShortCommand(List.of("java", "-jar", "quarkus-run.jar", "check-config", "--config", "x")));
        assertTrue(ServerModeConfigSource.isShortCommand(List.of("/app/lifeboat", "backup", "main")));
    }

    @Test
    void longRunningCommandsServeHttpEvenWhenTheirChildIsAShortCommandName() {
        assertFalse(ServerModeConfigSource.isShortCommand(List.of("java", "-jar", "quarkus-run.jar")));
        assertFalse(ServerModeConfigSource.isShortCommand(List.of("/app/lifeboat", "agent")));
        assertFalse(ServerModeConfigSource.isShortCommand(List.of("/app/lifeboat", "run", "--", "./app", "list")));
    }

    @Test
    void optionsBeforeTheSubcommandAndTheAppsOwnArgumentsDoNotConfuseIt() {
        assertFalse(ServerModeConfigSource.isShortCommand(List.of("/usr/bin/java", "-Xmx64m", "-jar", "/app/quarkus-run.jar", "-c", "list", "agent")));
        assertFalse(ServerModeConfigSource.isShortCommand(List.of("/app/lifeboat", "--config=/data/lifeboat.yml", "run", "--", "./app", "--bogus")));
        assertTrue(ServerModeConfigSource.isShortCommand(List.of("/app/lifeboat", "--config", "/x.yml", "verify", "app")));
        assertTrue(ServerModeConfigSource.isShortCommand(List.of("/app/lifeboat", "health", "app", "--json")));
    }

    /** A usage mistake is reported (exit 2) without serving HTTP or starting schedules first. */
    @Test
    void usageMistakesDoNotServeHttp() {
        assertTrue(ServerModeConfigSource.isShortCommand(List.of("java", "-jar", "target/quarkus-app/quarkus-run.jar", "verfiy", "app")));
        assertTrue(ServerModeConfigSource.isShortCommand(List.of("/app/lifeboat", "agent", "--confg", "x.yml")));
        assertTrue(ServerModeConfigSource.isShortCommand(List.of("/app/lifeboat-0.1.0-runner", "bogus")));
        // other launchers serve: a test JVM, and Maven building the app (whose own command line says verify)
        assertFalse(ServerModeConfigSource.isShortCommand(List.of("java", "-jar", "/tmp/surefirebooter1.jar", "/tmp/x", "y.tmp")));
        assertFalse(ServerModeConfigSource.isShortCommand(List.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java", "-classpath", "x.jar",
                "org.codehaus.plexus.classworlds.launcher.Launcher", "-B", "verify")));
    }
}
