package dev.lifeboat.alert;

import io.quarkus.runtime.annotations.RegisterForReflection;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Notifications not yet delivered, one JSON file per (notification, sink) under the outbox directory, written with
 * fsync + rename before the alert state that caused them is saved: a crash or restart loses no notification (it may,
 * rarely, send one twice: delivery is at-least-once; {@code X-Lifeboat-Delivery} lets a receiver de-duplicate).
 * Given-up deliveries move to {@code failed/} and stay visible in status; the newest {@value #KEEP_FAILED} are kept.
 * A write the disk refuses (full, read-only) fails nothing: the entry is delivered from memory, written by the next
 * {@link #flush}, and the failure is reported to {@link PersistenceHealth}.
 */
final class Outbox {
    private static final Logger LOG = Logger.getLogger(Outbox.class);
    static final int KEEP_FAILED = 100;

    /**
     * One notification for one sink.
     *
     * @param seq           enqueue order; each sink's deliveries go out strictly in this order (a resolve never
     *                      overtakes its trigger)
     * @param attempts      attempts made so far
     * @param nextAttemptAt not before this time
     * @param lastError     why the last attempt failed (scrubbed of the sink's secrets)
     * @param failedAt      when it was given up (only in {@code failed/})
     */
    @RegisterForReflection
    record Delivery(String id, long seq, String sink, Notification notification, int attempts, Instant createdAt,
                    Instant nextAttemptAt, String lastError, Instant failedAt) {
        Delivery retry(Instant next, String error) {
            return new Delivery(id, seq, sink, notification, attempts + 1, createdAt, next, error, null);
        }

        Delivery failed(Instant at, String error, int attemptsMade) {
            return new Delivery(id, seq, sink, notification, attemptsMade, createdAt, nextAttemptAt, error, at);
        }
    }

    private final Path dir;
    private final Path failedDir;
    private final PersistenceHealth health;
    private final Map<String, Delivery> pending = new TreeMap<>();
    private final Map<String, Delivery> failed = new TreeMap<>();
    /** Entries held only in memory: their file is missing or older than the entry (the disk refused the write). */
    private final Set<String> unsavedPending = new TreeSet<>();
    private final Set<String> unsavedFailed = new TreeSet<>();
    /** Files of entries already delivered or dropped that could not be deleted (a read-only volume). */
    private final Set<Path> undeleted = new TreeSet<>();
    private long nextSeq;

    /** Loads what a previous run left; a directory that cannot be created or read leaves the outbox in memory. */
    Outbox(Path dir, PersistenceHealth health) {
        this.dir = dir;
        this.failedDir = dir.resolve("failed");
        this.health = health;
        try {
            Files.createDirectories(failedDir);
            load(dir, pending);
            load(failedDir, failed);
        } catch (IOException e) {
            health.failed(PersistenceHealth.Target.OUTBOX, dir, e);
        }
        nextSeq = pending.values().stream().mapToLong(Delivery::seq).max().orElse(0) + 1;
    }

    private static void load(Path from, Map<String, Delivery> into) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from, "*.json")) {
            for (Path f : files) {
                try {
                    Delivery d = JsonFiles.read(f, Delivery.class);
                    into.put(d.id(), d);
                } catch (IOException | RuntimeException e) {
                    LOG.errorf("outbox entry %s is unreadable (%s); leaving it in place", f.getFileName(), e.getMessage());
                }
            }
        }
    }

    /**
     * Queues a notification for a sink; an entry with the same id already queued is kept as it is. Never fails for
     * the disk: an entry that cannot be written is delivered from memory and written by {@link #flush}.
     */
    synchronized Delivery add(String sink, Notification n, Instant now) {
        String id = n.id() + "-" + sink;
        Delivery existing = pending.get(id);
        if (existing != null) {
            return existing;
        }
        Delivery d = new Delivery(id, nextSeq++, sink, n, 0, now, now, null, null);
        pending.put(id, d);
        unsavedPending.add(id);
        save(dir, d, unsavedPending);
        reportHealth();
        return d;
    }

    /** Pending deliveries in enqueue order. */
    synchronized List<Delivery> pending() {
        List<Delivery> out = new ArrayList<>(pending.values());
        out.sort(Comparator.comparingLong(Delivery::seq));
        return out;
    }

    /** Given-up deliveries, newest first. */
    synchronized List<Delivery> failed() {
        List<Delivery> out = new ArrayList<>(failed.values());
        out.sort(Comparator.comparing(Delivery::failedAt, Comparator.nullsLast(Comparator.reverseOrder())));
        return out;
    }

    synchronized boolean isPending(String id) {
        return pending.containsKey(id);
    }

    synchronized void delivered(Delivery d) {
        pending.remove(d.id());
        unsavedPending.remove(d.id());
        delete(dir.resolve(d.id() + ".json"));
        reportHealth();
    }

    synchronized void update(Delivery d) {
        pending.put(d.id(), d);
        unsavedPending.add(d.id());
        save(dir, d, unsavedPending);
        reportHealth();
    }

    synchronized void giveUp(Delivery d) {
        pending.remove(d.id());
        unsavedPending.remove(d.id());
        failed.put(d.id(), d);
        unsavedFailed.add(d.id());
        save(failedDir, d, unsavedFailed);
        delete(dir.resolve(d.id() + ".json"));
        List<Delivery> newestFirst = failed();
        for (Delivery old : newestFirst.subList(Math.min(KEEP_FAILED, newestFirst.size()), newestFirst.size())) {
            failed.remove(old.id());
            unsavedFailed.remove(old.id());
            delete(failedDir.resolve(old.id() + ".json"));
        }
        reportHealth();
    }

    /** Writes the entries held only in memory and deletes what could not be deleted (space may have returned). */
    synchronized void flush() {
        if (unsavedPending.isEmpty() && unsavedFailed.isEmpty() && undeleted.isEmpty()) {
            return;
        }
        for (String id : List.copyOf(unsavedPending)) {
            save(dir, pending.get(id), unsavedPending);
        }
        for (String id : List.copyOf(unsavedFailed)) {
            save(failedDir, failed.get(id), unsavedFailed);
        }
        for (Path file : List.copyOf(undeleted)) {
            delete(file);
        }
        reportHealth();
    }

    /** Whether some entries live only in memory (a restart now would lose them). */
    synchronized boolean unsaved() {
        return !unsavedPending.isEmpty() || !unsavedFailed.isEmpty() || !undeleted.isEmpty();
    }

    private void save(Path in, Delivery d, Set<String> unsaved) {
        Path file = in.resolve(d.id() + ".json");
        try {
            JsonFiles.write(file, d);
            unsaved.remove(d.id());
            undeleted.remove(file);
        } catch (IOException e) {
            health.failed(PersistenceHealth.Target.OUTBOX, file, e);
        }
    }

    private void delete(Path file) {
        try {
            Files.deleteIfExists(file);
            JsonFiles.syncDirectory(file.getParent());
            undeleted.remove(file);
        } catch (IOException e) {
            undeleted.add(file); // a stale file would be sent again after a restart: at-least-once still holds
            health.failed(PersistenceHealth.Target.OUTBOX, file, e);
        }
    }

    private void reportHealth() {
        if (!unsaved()) {
            health.written(PersistenceHealth.Target.OUTBOX);
        }
    }

    Path dir() {
        return dir;
    }
}
