package dev.lifeboat.alert;

import dev.lifeboat.runtime.FailureLog;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the alert state file and the outbox reach the disk. A write that fails (a full volume, a read-only remount)
 * never stops evaluation or delivery: both go on from memory, the state is written again at the next evaluation,
 * and this records the failure for status and the {@code alert-state-unwritable} alert. Logged once when it starts,
 * then at most once a minute, and once when every write succeeds again: a full disk is not a log line a second.
 */
final class PersistenceHealth {
    private static final Logger LOG = Logger.getLogger(PersistenceHealth.class);

    /** What could not be written. */
    enum Target { STATE_FILE, OUTBOX }

    /**
     * @param error the latest failure, naming the path
     * @param since when writes started failing (the oldest target still failing)
     */
    record Failure(String error, Instant since) {
    }

    private final Clock clock;
    private final Map<Target, Failure> failing = new EnumMap<>(Target.class);
    private final FailureLog log = new FailureLog(LOG, "saving alert state");

    PersistenceHealth(Clock clock) {
        this.clock = clock;
    }

    synchronized void failed(Target target, Path path, IOException e) {
        String error = "cannot write " + path + ": " + reason(e);
        Instant now = clock.instant();
        failing.merge(target, new Failure(error, now), (old, latest) -> new Failure(latest.error(), old.since()));
        log.failed(error + "; alerts are evaluated and delivered from memory until it can be written again");
    }

    synchronized void written(Target target) {
        if (failing.remove(target) != null && failing.isEmpty()) {
            log.succeeded();
        }
    }

    /** The current failure (newest error, oldest start), empty while everything is written. */
    synchronized Optional<Failure> failure() {
        return failing.values().stream()
                .reduce((a, b) -> new Failure(b.error(), a.since().isBefore(b.since()) ? a.since() : b.since()));
    }

    /** "No space left on device", without repeating the path a {@link FileSystemException} names. */
    private static String reason(IOException e) {
        String text = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason() : e.getMessage();
        return text == null ? e.getClass().getSimpleName() : text;
    }
}
