package dev.lifeboat.store;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DestinationConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.runtime.FailureLog;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The configured destinations' stores, opened once and shared, and the result of the last reachability check of
 * each. A database's objects live under {@code <database name>/} in its destination: use {@link #forDatabase}.
 * An unreachable destination is logged when the checks first find it so, then once a minute, and when it is back.
 */
@ApplicationScoped
public class Destinations {
    private static final Logger LOG = Logger.getLogger(Destinations.class);

    @Inject
    ActiveConfig config;

    private final Map<String, ObjectStore> open = new ConcurrentHashMap<>();
    private final Map<String, Reachability> reachability = new ConcurrentHashMap<>();
    private final Map<String, FailureLog> checkFailures = new ConcurrentHashMap<>();

    /** Outcome of the last check of one destination. */
    public record Reachability(boolean reachable, String error, Instant checkedAt) {
    }

    /** The configuration the open stores belong to; a newly installed configuration reopens them. */
    private LifeboatConfig openedFor;

    /** The store of destination {@code name}, opened on first use. */
    public ObjectStore store(String name) throws IOException {
        LifeboatConfig current = config.get();
        DestinationConfig d = current.destinations().get(name);
        if (d == null) {
            throw new IOException("no destination named '" + name + "'");
        }
        synchronized (open) {
            if (current != openedFor) {
                // Stores opened from a default configuration read before a command installed its own must not be reused.
                open.values().forEach(ObjectStore::close);
                open.clear();
                reachability.clear();
                checkFailures.clear();
                openedFor = current;
            }
            ObjectStore store = open.get(name);
            if (store == null) {
                store = ObjectStores.open(d);
                open.put(name, store);
            }
            return store;
        }
    }

    /** The store holding database {@code database}'s objects: its destination, scoped to {@code <database>/}. */
    public ObjectStore forDatabase(String database) throws IOException {
        var db = config.get().databases().get(database);
        if (db == null) {
            throw new IOException("no database named '" + database + "'");
        }
        return new PrefixedStore(store(db.destination()), database + "/");
    }

    /** Checks every destination now and records the outcome. */
    public Map<String, Reachability> checkAll() {
        for (String name : config.get().destinations().keySet()) {
            Reachability r;
            FailureLog failures = checkFailures.computeIfAbsent(name, n -> new FailureLog(LOG, "destination " + n + ": check"));
            try {
                store(name).checkReachable();
                r = new Reachability(true, null, Instant.now());
                failures.succeeded();
            } catch (IOException | RuntimeException e) {
                r = new Reachability(false, e.getMessage(), Instant.now());
                failures.failed(e.getMessage());
            }
            reachability.put(name, r);
        }
        return Map.copyOf(reachability);
    }

    /** Last known reachability, without contacting the stores. */
    public Map<String, Reachability> lastChecks() {
        return Map.copyOf(reachability);
    }

    @PreDestroy
    void closeAll() {
        synchronized (open) {
            open.values().forEach(ObjectStore::close);
            open.clear();
        }
    }
}
