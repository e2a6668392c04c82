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
}
