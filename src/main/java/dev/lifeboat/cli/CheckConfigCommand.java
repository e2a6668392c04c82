package dev.lifeboat.cli;

import dev.lifeboat.config.LifeboatConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code lifeboat check-config}: validates the configuration file and reports every problem at once (exit 2). */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "check-config", description = "Validate the configuration file; exit 2 and list every problem when it is invalid.")
public class CheckConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        LifeboatConfig loaded = config.load();
        spec.commandLine().getOut().printf("%s is valid: %d destination(s), %d database(s), %d volume(s), %d alert sink(s)%n",
                config.path(), loaded.destinations().size(), loaded.databases().size(), loaded.volumes().size(),
                loaded.alerts().sinks().size());
        if (loaded.databases().isEmpty()) {
            // Not an error: an agent with only destinations and alerts is a valid set-up, but rarely the intended one.
            spec.commandLine().getOut().println("warning: " + LifeboatConfig.NO_DATABASES);
        }
        return 0;
    }
}
