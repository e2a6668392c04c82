package dev.lifeboat.cli;

import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --config FILE} option shared by every subcommand. */
public class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Configuration file (default: $LIFEBOAT_CONFIG, else ./lifeboat.yml).")
    String file;

    public Path path() {
        return ConfigLoader.resolvePath(file);
    }

    /** Loads and validates the file; throws InvalidConfigException listing every problem. */
    public LifeboatConfig load() {
        return new ConfigLoader().load(path());
    }
}
