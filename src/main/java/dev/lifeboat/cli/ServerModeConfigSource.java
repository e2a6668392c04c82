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
    static final Set<String> SHORT_COMMANDS = Set.of("check-config", "backup", "restore", "list", "prune", "drill", "verify",
            "volumes", "health", "help", "--help", "-h", "--version", "-V", "generate-completion");
    static final Set<String> SERVER_COMMANDS = Set.of("agent", "run");

    private final Map<String, String> properties;

    public ServerModeConfigSource() {
        properties = isShortCommand(commandLine())
                ? Map.of("quarkus.http.host-enabled", "false", "quarkus.banner.enabled", "false",
                        "quarkus.log.console.level", "WARN", "quarkus.scheduler.enabled", "false")
                : Map.of();
    }

    /**
     * True when the process must not serve: a short command, or a usage mistake (an unknown subcommand, an unknown
     * option of {@code agent}/{@code run}) that picocli will report with exit code 2 once the application is up; it
     * must not open the HTTP port or start schedules meanwhile. Any other launcher serves: a test JVM, and the build
     * itself (Quarkus reads configuration sources while it builds, from Maven's own command line, {@code verify}
     * included: a decision made there would be baked into the application).
     */
    static boolean isShortCommand(List<String> cmdline) {
        List<String> args = programArguments(cmdline);
        if (args == null) {
            return false;
        }
        boolean server = true; // no subcommand at all runs the agent
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                break; // what follows is the app's command line (lifeboat run -- CMD ...)
            } else if (arg.equals("-c") || arg.equals("--config")) {
                i++; // its value
            } else if (arg.startsWith("--config=") || (arg.startsWith("-c") && arg.length() > 2)) {
                continue;
            } else if (SHORT_COMMANDS.contains(arg)) {
                return true;
            } else if (SERVER_COMMANDS.contains(arg)) {
                server = true;
            } else {
                return true; // an unknown subcommand or option: a usage error, reported without serving
            }
        }
        return !server;
    }

    /**
     * The arguments given to Lifeboat itself: after {@code -jar .../quarkus-run.jar}, or after the executable's name
     * for the native binary; null for any other launcher.
     */
    static List<String> programArguments(List<String> cmdline) {
        if (cmdline.isEmpty()) {
            return null;
        }
        String exe = Path.of(cmdline.getFirst()).getFileName().toString();
        if (!exe.equals("java")) {
            return exe.startsWith("lifeboat") ? cmdline.subList(1, cmdline.size()) : null;
        }
        int jar = cmdline.indexOf("-jar");
        return jar >= 0 && jar + 1 < cmdline.size() && cmdline.get(jar + 1).endsWith("quarkus-run.jar")
                ? cmdline.subList(jar + 2, cmdline.size()) : null;
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
