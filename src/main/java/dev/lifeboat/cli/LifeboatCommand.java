package dev.lifeboat.cli;

import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code lifeboat}: with no subcommand it runs the agent. */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "lifeboat", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Keeps the data of apps on Fly.io safe: backups, WAL shipping, volume checks, restore drills, alerts.",
        subcommands = {AgentCommand.class, CheckConfigCommand.class, VolumesCommand.class, RestoreCommand.class, RunCommand.class,
                BackupCommand.class, ListCommand.class, PruneCommand.class, DrillCommand.class, VerifyCommand.class, HealthCommand.class,
                WalFetchCommand.class})
public class LifeboatCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Inject
    AgentCommand agent;

    @Override
    public Integer call() {
        agent.config = config;
        return agent.call();
    }
}
