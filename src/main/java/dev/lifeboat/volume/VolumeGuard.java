package dev.lifeboat.volume;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.VolumeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The check to call <b>before replicating or restoring a database file</b>: it refuses when the file belongs on a
 * configured volume (with {@code require-mount: true}, the default) that is not really there.
 *
 * <pre>{@code
 * @Inject VolumeGuard guard;
 * guard.requireMounted(Path.of(db.path().orElseThrow()));   // throws UserFacingException, exit code 1
 * }</pre>
 * Outside CDI use {@code VolumeGuard.of(config)}.
 *
 * <p>A file "belongs on" a volume when it lies under the volume's {@code path}, or when the volume's
 * {@code databases} list names the database configured with this path. For each such volume the guard checks,
 * right now (no cached result): the path exists, it is a mount distinct from the root filesystem, the mount is
 * read-write, a write probe succeeds, the expected filesystem type, and the file (or, before a restore, its nearest
 * existing directory) resolves onto that very mount. Free space is not a reason to refuse: it is alerted on instead.
 * A file that no configured volume covers is not checked. Blocking I/O, takes a few milliseconds.
 */
@ApplicationScoped
public class VolumeGuard {
    @Inject
    ActiveConfig active;

    private LifeboatConfig fixed;

    /** A guard for code outside CDI (tests, tools) that checks against {@code config}. */
    public static VolumeGuard of(LifeboatConfig config) {
        VolumeGuard guard = new VolumeGuard();
        guard.fixed = config;
        return guard;
    }

    /**
     * Returns normally when {@code databaseFile} may be replicated or restored; otherwise throws a
     * {@link UserFacingException} naming the volume, every failing check and what to check in fly.toml [mounts].
     */
    public void requireMounted(Path databaseFile) {
        LifeboatConfig config = fixed != null ? fixed : active.get();
        Path file = databaseFile.toAbsolutePath().normalize();
        String dbName = databaseNamed(config, file);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, VolumeConfig> e : config.volumes().entrySet()) {
            VolumeConfig v = e.getValue();
            if (!v.local() || !v.requireMount() || !covers(v, file, dbName)) {
                continue;
            }
            List<Condition> blocking = new VolumeChecker(e.getKey(), config, null, null).blockingFor(file, dbName == null ? file.getFileName().toString() : dbName);
            if (!blocking.isEmpty()) {
                problems.add("volume '" + e.getKey() + "' (" + v.path() + "): "
                        + blocking.stream().map(Condition::toString).collect(Collectors.joining("; ")));
            }
        }
        if (!problems.isEmpty()) {
            throw new UserFacingException("refusing to replicate or restore " + file + " because its volume is not safe to write: "
                    + String.join(" | ", problems)
                    + ". To run without this guard (not recommended) set volumes.<name>.require-mount: false.");
        }
    }

    private static boolean covers(VolumeConfig v, Path file, String dbName) {
        return file.startsWith(Path.of(v.path()).toAbsolutePath().normalize())
                || dbName != null && v.databases().map(list -> list.contains(dbName)).orElse(false);
    }

    /** Name of the configured database whose path is {@code file}, or null. */
    private static String databaseNamed(LifeboatConfig config, Path file) {
        for (Map.Entry<String, DatabaseConfig> e : config.databases().entrySet()) {
            if (e.getValue().path().map(p -> Path.of(p).toAbsolutePath().normalize().equals(file)).orElse(false)) {
                return e.getKey();
            }
        }
        return null;
    }
}
