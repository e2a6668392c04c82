package dev.lifeboat.cli;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps short CLI commands ({@code backup}, {@code list}, {@code check-config}...) from opening the HTTP port: on a
 * Fly machine an agent is usually already listening there. Quarkus starts its HTTP server before our main runs,
 * so the decision is made here, from the process's own command line, when configuration is read.
 */
public class ServerModeConfigSource implements ConfigSource {
    /** Subcommands that are not long-running; anything else (agent, run, no subcommand) serves HTTP. */
    static final Set<String> SHORT_COMMANDS = Set.of("check-config", "backup", "restore", "list", "prune", "drill",
            "volumes", "help", "--help", "-h", "--version", "-V", "generate-completion");
    static final Set<String> SERVER_COMMANDS = Set.of("agent", "run");

    private final Map<String, String> properties;

    public ServerModeConfigSource() {
        properties = isShortCommand(commandLine())
                ? Map.of("quarkus.http.host-enabled", "false", "quarkus.banner.enabled", "false",
                        "quarkus.log.console.level", "WARN", "quarkus.scheduler.enabled", "false")
                : Map.of();
    }

    /** True when the first subcommand-like word is a short command. */
    static boolean isShortCommand(List<String> args) {
        for (String arg : args) {
            if (SERVER_COMMANDS.contains(arg)) {
                return false;
            }
            if (SHORT_COMMANDS.contains(arg)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> commandLine() {
        try {
            String raw = Files.readString(Path.of("/proc/self/cmdline"), StandardCharsets.UTF_8);
            return List.of(raw.split("\0"));
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().info().arguments().map(List::of).orElse(List.of());
        }
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String name) {
        return properties.get(name);
    }

    @Override
    public String getName() {
        return "lifeboat-command-line";
    }

    @Override
    public int getOrdinal() {
        // Above application.properties (250), below system properties (400) and env (300) so users can still override.
        return 275;
    }
}
