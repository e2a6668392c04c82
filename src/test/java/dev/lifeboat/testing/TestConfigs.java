package dev.lifeboat.testing;

import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Builds configurations for tests from YAML text, exactly as users write them. */
public final class TestConfigs {
    private TestConfigs() {
    }

    /** Parses and validates YAML (environment variables from {@code env}). */
    public static LifeboatConfig parse(String yaml, Map<String, String> env) {
        return new ConfigLoader(env).parse(Path.of("test.yml"), yaml);
    }

    public static LifeboatConfig parse(String yaml) {
        return parse(yaml, Map.of());
    }

    /** Writes YAML to a file in {@code dir} and returns its path. */
    public static Path write(Path dir, String yaml) {
        try {
            Files.createDirectories(dir);
            Path file = Files.createTempFile(dir, "lifeboat-", ".yml");
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
