package dev.lifeboat.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged application the {@code *IT} tests run: {@code java @src/main/jvm/jvm.options -jar
 * target/quarkus-app/quarkus-run.jar} (the product's JVM flags and environment) by default, or the executable that {@code -Dlifeboat.binary=...} names (a native build, say
 * {@code target/lifeboat-0.1.0-SNAPSHOT-runner}); Quarkus's own {@code native.image.path} is honoured too, so the
 * usual failsafe setup of a native build needs nothing more.
 */
public final class LifeboatBinary {
    /** Names the executable under test; relative paths resolve against the project directory. */
    public static final String PROPERTY = "lifeboat.binary";
    static final String QUARKUS_NATIVE_PROPERTY = "native.image.path";
    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    public static final Path JVM_OPTIONS = Path.of("src/main/jvm/jvm.options");
    public static final Path JVM_24_OPTIONS = Path.of("src/main/jvm/jvm-24.options");
    /** The environment the product sets beside its JVM flags (bin/lifeboat, Dockerfile.jvm). */
    public static final Map<String, String> JVM_ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    private LifeboatBinary() {
    }

    /** The JVM's flags as the product passes them (src/main/jvm's argument files, as bin/lifeboat does). */
    public static List<String> jvmOptions() {
        List<String> options = new ArrayList<>(List.of("@" + JVM_OPTIONS.toAbsolutePath()));
        if (Runtime.version().feature() >= 24) {
            options.add("@" + JVM_24_OPTIONS.toAbsolutePath());
        }
        return options;
    }

    /** The command that runs the application with {@code args}. */
    public static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        String executable = System.getProperty(PROPERTY, System.getProperty(QUARKUS_NATIVE_PROPERTY, ""));
        if (executable.isBlank()) {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions());
            command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
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
     * The application copied into {@code dir} so that another OS user can run it: the PostgreSQL server (user
     * {@code postgres}) runs {@code lifeboat wal-fetch} as its restore_command, and the checkout may sit where that
     * user cannot read (under /root). Copies the packaged app with the JVM flag files (or the executable
     * {@code -Dlifeboat.binary} names), writes a launcher script, makes all world-readable, and returns the launcher's
     * path: the {@code --lifeboat-command} of a restore. The JVM is this one's ({@code java.home}), which that user
     * must be able to read (Debian's and Temurin's JDKs under /usr/lib/jvm are).
     */
    public static Path portable(Path dir) throws IOException {
        Path app = Files.createDirectories(dir.resolve("app"));
        String executable = System.getProperty(PROPERTY, System.getProperty(QUARKUS_NATIVE_PROPERTY, ""));
        StringBuilder script = new StringBuilder("#!/bin/sh\n");
        JVM_ENVIRONMENT.forEach((k, v) -> script.append("export ").append(k).append('=').append(v).append('\n'));
        if (executable.isBlank()) {
            if (!Files.isRegularFile(JAR)) {
                throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run ./mvnw package first");
            }
            ExternalProcess.run(List.of("cp", "-r", JAR.toAbsolutePath().getParent() + "/.", app.toString()), java.time.Duration.ofMinutes(2));
            script.append("exec ").append(Path.of(System.getProperty("java.home"), "bin", "java"));
            Files.copy(JVM_OPTIONS, app.resolve("jvm.options"));
            script.append(" @").append(app.resolve("jvm.options"));
            if (Runtime.version().feature() >= 24) {
                Files.copy(JVM_24_OPTIONS, app.resolve("jvm-24.options"));
                script.append(" @").append(app.resolve("jvm-24.options"));
            }
            script.append(" -jar ").append(app.resolve(JAR.getFileName()));
        } else {
            Path copy = app.resolve("lifeboat-runner");
            Files.copy(Path.of(executable).toAbsolutePath(), copy);
            script.append("exec ").append(copy);
        }
        script.append(" \"$@\"\n");
        Path launcher = Files.writeString(dir.resolve("lifeboat"), script);
        ExternalProcess.run(List.of("chmod", "-R", "a+rX", dir.toString()), java.time.Duration.ofMinutes(1));
        ExternalProcess.run(List.of("chmod", "a+rx", launcher.toString()), java.time.Duration.ofSeconds(10));
        return launcher;
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
        pb.environment().putAll(JVM_ENVIRONMENT);
        pb.environment().putAll(env);
        return pb.start();
    }
}
