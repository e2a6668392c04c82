package dev.lifeboat.alert;

import io.quarkus.runtime.annotations.RegisterForReflection;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** The lifecycle state of every alert in {@code <state-dir>/alerts.json}, written with fsync + rename. */
final class AlertStateStore {
    private static final Logger LOG = Logger.getLogger(AlertStateStore.class);
    static final String FILE = "alerts.json";

    private final Path file;

    /** What the file holds. {@code version} lets a later release migrate it. */
    @RegisterForReflection
    record Snapshot(int version, Instant savedAt, Map<String, AlertState> alerts) {
    }

    AlertStateStore(Path dir) {
        this.file = dir.resolve(FILE);
    }

    /** The saved states; empty when there is no file. A corrupt file is set aside (never deleted) and reported. */
    Map<String, AlertState> load() {
        if (!Files.exists(file)) {
            return new TreeMap<>();
        }
        try {
            Snapshot s = JsonFiles.read(file, Snapshot.class);
            return s.alerts() == null ? new TreeMap<>() : new TreeMap<>(s.alerts());
        } catch (IOException | RuntimeException e) {
            Path aside = file.resolveSibling(FILE + ".corrupt-" + System.currentTimeMillis());
            LOG.errorf("alert state %s is unreadable (%s); moved it to %s and starting with no alerts", file, e.getMessage(), aside.getFileName());
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException moveFailed) {
                LOG.errorf("cannot move %s aside: %s", file, moveFailed.getMessage());
            }
            return new TreeMap<>();
        }
    }

    void save(Map<String, AlertState> alerts, Instant now) throws IOException {
        JsonFiles.write(file, new Snapshot(1, now, new TreeMap<>(alerts)));
    }

    Path file() {
        return file;
    }
}
