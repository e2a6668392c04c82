package dev.lifeboat.config;

import jakarta.enterprise.context.ApplicationScoped;

import java.nio.file.Path;
import java.util.List;

/**
 * The configuration this process runs with. Long-running commands install it at start; anything that reads it
 * before then (tests, the HTTP API during start-up) gets it loaded from the default location.
 */
@ApplicationScoped
public class ActiveConfig {
    private volatile Path path;
    private volatile LifeboatConfig config;
    private volatile List<ConfigProblem> problems = List.of();

    /**
     * Installs a loaded, valid configuration. Synchronized with the lazy load in {@link #get()}: a default
     * configuration being loaded by an early reader (a scheduled check, an HTTP request) can never overwrite the
     * one a command installs.
     */
    public synchronized void install(Path path, LifeboatConfig config) {
        this.path = path;
        this.config = config;
        this.problems = List.of();
    }

    /** The valid configuration; throws {@link InvalidConfigException} when the file cannot be used. */
    public LifeboatConfig get() {
        LifeboatConfig current = config;
        if (current == null) {
            synchronized (this) {
                if (config == null) {
                    Path file = path == null ? ConfigLoader.resolvePath(null) : path;
                    path = file;
                    try {
                        config = new ConfigLoader().load(file);
                    } catch (InvalidConfigException e) {
                        problems = e.problems();
                        throw e;
                    }
                }
                current = config;
            }
        }
        return current;
    }

    /** Path of the configuration file in use. */
    public Path path() {
        return path == null ? ConfigLoader.resolvePath(null) : path;
    }

    /** Problems found by the last load attempt (empty when valid or not yet loaded). */
    public List<ConfigProblem> problems() {
        return problems;
    }

    /**
     * The configured database {@code name} of {@code type}, or a user-facing error listing what exists or saying what
     * {@code purpose} needs ("point-in-time recovery is for postgres databases").
     */
    public DatabaseConfig database(String name, DatabaseType type, String purpose) {
        LifeboatConfig config = get();
        DatabaseConfig db = config.databases().get(name);
        if (db == null) {
            throw new dev.lifeboat.UserFacingException("no database named '" + name + "' in " + path() + "; configured: "
                    + String.join(", ", config.databases().keySet()));
        }
        if (db.type() != type) {
            throw new dev.lifeboat.UserFacingException("'" + name + "' is a " + db.type() + " database; " + purpose);
        }
        return db;
    }
}
