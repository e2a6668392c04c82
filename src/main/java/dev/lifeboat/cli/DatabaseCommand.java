package dev.lifeboat.cli;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import jakarta.inject.Inject;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * What every per-database command ({@code backup}, {@code list}, {@code prune}, {@code restore}, {@code drill})
 * shares: {@code --config FILE}, the database name, and loading the configuration the same way.
 */
abstract class DatabaseCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DB", description = "Name of the database in the configuration.")
    String database;

    @Inject
    ActiveConfig active;

    /** Loads, validates and installs the configuration (so services see it), exit 2 on a mistake. */
    LifeboatConfig loadConfig() {
        LifeboatConfig loaded = config.load();
        active.install(config.path(), loaded);
        return loaded;
    }

    /** The named database's entry, or a user-facing error listing the configured ones. */
    DatabaseConfig databaseIn(LifeboatConfig loaded) {
        return Databases.named(loaded, database, config);
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
