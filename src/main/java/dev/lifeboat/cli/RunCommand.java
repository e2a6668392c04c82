package dev.lifeboat.cli;

import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.RunMode;
import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.sqlite.ReplicationService;
import dev.lifeboat.sqlite.SqliteRestoreService;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code lifeboat run -- CMD ARGS...}: supervisor mode for the machine that holds the SQLite volume. Restores each
 * configured SQLite database that is missing (when a replica exists), starts replication and the agent's other
 * services, runs the app as a child, forwards SIGTERM/SIGINT to it, makes a final sync after it exits and exits
 * with its exit code (Litestream's {@code -exec} pattern).
 */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "run", description = "Restore missing SQLite databases, replicate them and run CMD as a child (put CMD after --); exits with its code.")
public class RunCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(RunCommand.class);

    @Mixin
    ConfigOption config;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The application and its arguments, after --.")
    List<String> command;

    @Inject
    ActiveConfig active;

    @Inject
    Event<AgentStarted> started;

    @Inject
    SqliteRestoreService restores;

    @Inject
    ReplicationService replication;

    @Override
    public Integer call() throws Exception {
        LifeboatConfig loaded = config.load();
        active.install(config.path(), loaded);
        loaded.databases().forEach((name, db) -> {
            if (db.type() == DatabaseType.SQLITE && db.path().isPresent() && !Files.exists(Path.of(db.path().get()))) {
                LOG.info(restores.restore(loaded, name, Path.of(db.path().get()), null, null, null, true, true));
            }
        });
        started.fire(new AgentStarted(loaded, RunMode.SUPERVISOR));
        Process child;
        try {
            child = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            replication.stop();
            throw new UserFacingException("cannot start " + command.getFirst() + ": " + e.getMessage(), 127, e);
        }
        LOG.infof("started %s (pid %d)", String.join(" ", command), child.pid());
        forward("TERM", child);
        forward("INT", child);
        int code = child.waitFor();
        LOG.infof("%s exited with code %d; final sync", command.getFirst(), code);
        replication.stop();
        return code;
    }

    /** Passes signal {@code name} on to the child instead of stopping Lifeboat first: the app decides when to exit. */
    private static void forward(String name, Process child) {
        Signal.handle(new Signal(name), sig -> {
            try {
                new ProcessBuilder("kill", "-" + name, Long.toString(child.pid())).start();
            } catch (IOException e) {
                child.destroy();
            }
        });
    }
}
