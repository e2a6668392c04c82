package dev.lifeboat.cli;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.RunMode;
import io.quarkus.runtime.Quarkus;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * {@code lifeboat agent}: the long-running sidecar. Loads and validates the configuration (exit 2 on a mistake),
 * announces it to the services through {@link AgentStarted}, serves HTTP and runs until stopped.
 */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "agent", description = "Run the long-lived agent: schedules, replication, checks, HTTP API (default).")
public class AgentCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(AgentCommand.class);

    @Mixin
    ConfigOption config;

    @Inject
    ActiveConfig active;

    @Inject
    Event<AgentStarted> started;

    @Override
    public Integer call() {
        LifeboatConfig loaded = config.load();
        active.install(config.path(), loaded);
        LOG.infof("lifeboat agent started with %s: %d database(s), %d destination(s), %d volume(s)", config.path(),
                loaded.databases().size(), loaded.destinations().size(), loaded.volumes().size());
        started.fire(new AgentStarted(loaded, RunMode.AGENT));
        Quarkus.waitForExit();
        return 0;
    }
}
