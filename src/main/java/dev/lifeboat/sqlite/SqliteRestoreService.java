package dev.lifeboat.sqlite;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.volume.VolumeGuard;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** Restores SQLite databases for the {@code restore} and {@code run} commands. */
@ApplicationScoped
public class SqliteRestoreService {

    /** Opens the store holding database {@code name}'s replica under {@code config} (which may not be the active one yet). */
    public static ObjectStore storeFor(LifeboatConfig config, String name) throws IOException {
        var db = config.databases().get(name);
        return ObjectStores.openUnder(config.destinations().get(db.destination()), name + "/");
    }

    /**
     * Restores {@code name} into {@code target}; returns a one-line description of what happened. Skips (returning
     * why) when {@code ifDbNotExists} and the target exists, or {@code ifReplicaExists} and there is no replica.
     */
    public String restore(LifeboatConfig config, String name, Path target, Instant at, String generation, Integer maxIndex,
                          boolean ifDbNotExists, boolean ifReplicaExists) {
        if (Files.exists(target)) {
            if (ifDbNotExists) {
                return "database " + target + " already exists; nothing restored";
            }
            throw new UserFacingException("cannot restore " + name + ": " + target + " already exists",
                    "restore elsewhere with -o PATH, or stop the application and move the file away first");
        }
        // A database restored onto an unmounted volume would land on the machine's ephemeral root filesystem.
        VolumeGuard.of(config).requireMounted(target);
        try (ObjectStore store = storeFor(config, name)) {
            if (ReplicaCatalog.load(store).isEmpty()) {
                if (ifReplicaExists) {
                    return "no replica of " + name + " in " + store.describe() + "; nothing restored";
                }
                throw new UserFacingException("no replica of " + name + " in " + store.describe()
                        + ": nothing to restore (is the destination right? has the agent replicated yet?)");
            }
            var r = new SqliteRestorer(store, ReplicaCodec.of(config.databases().get(name))).restore(new SqliteRestorer.Options(target, at, generation, maxIndex));
            return String.format("restored %s to %s from generation %s (snapshot %08x, WAL through index %08x), %d bytes, integrity ok",
                    name, target, r.generation(), r.snapshotIndex(), r.lastIndex(), r.bytes());
        } catch (IOException e) {
            throw new UserFacingException("restore of " + name + " failed: " + e.getMessage());
        }
    }
}
