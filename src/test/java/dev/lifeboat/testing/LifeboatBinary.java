package dev.lifeboat.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged application the {@code *IT} tests run: {@code java -jar target/quarkus-app/quarkus-run.jar} by
 * default, or the executable that {@code -Dlifeboat.binary=...} names (a native build, say
 * {@code target/lifeboat-0.1.0-SNAPSHOT-runner}); Quarkus's own {@code native.image.path} is honoured too, so the
 * usual failsafe setup of a native build needs nothing more.
 */
public final class LifeboatBinary {
    /** Names the executable under test; relative paths resolve against the project directory. */
    public static final String PROPERTY = "lifeboat.binary";
    static final String QUARKUS_NATIVE_PROPERTY = "native.image.path";
    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    private LifeboatBinary() {
    }

    /** The command that runs the application with {@code args}. */
    public static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        String executable = System.getProperty(PROPERTY, System.getProperty(QUARKUS_NATIVE_PROPERTY, ""));
        if (executable.isBlank()) {
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    JAR.toAbsolutePath().toString()));
        } else {
            Path binary = Path.of(executable).toAbsolutePath();
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException(PROPERTY + " names " + binary + ", which is not an executable file");
            }
            command.add(binary.toString());
        }
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Starts the application in {@code workDir} with {@code args}, listening on {@code port}, its output in
     * {@code log}. A {@code LIFEBOAT_CONFIG} of the environment running the tests is not passed on; {@code env} adds
     * variables.
     */
    public static Process start(Path workDir, Path log, int port, Map<String, String> env, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(args)).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PORT", String.valueOf(port));
        pb.environment().remove("LIFEBOAT_CONFIG");
        pb.environment().putAll(env);
        return pb.start();
    }
}
