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
import java.util.TreeMap;

/**
 * Notifications not yet delivered, one JSON file per (notification, sink) under the outbox directory, written with
 * fsync + rename before the alert state that caused them is saved: a crash or restart loses no notification (it may,
 * rarely, send one twice: delivery is at-least-once; {@code X-Lifeboat-Delivery} lets a receiver de-duplicate).
 * Given-up deliveries move to {@code failed/} and stay visible in status; the newest {@value #KEEP_FAILED} are kept.
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
    private final Map<String, Delivery> pending = new TreeMap<>();
    private final Map<String, Delivery> failed = new TreeMap<>();
    private long nextSeq;

    Outbox(Path dir) throws IOException {
        this.dir = dir;
        this.failedDir = dir.resolve("failed");
        Files.createDirectories(failedDir);
        load(dir, pending);
        load(failedDir, failed);
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

    /** Queues a notification for a sink; an entry with the same id already queued is kept as it is. */
    synchronized Delivery add(String sink, Notification n, Instant now) throws IOException {
        String id = n.id() + "-" + sink;
        Delivery existing = pending.get(id);
        if (existing != null) {
            return existing;
        }
        Delivery d = new Delivery(id, nextSeq++, sink, n, 0, now, now, null, null);
        JsonFiles.write(dir.resolve(id + ".json"), d);
        pending.put(id, d);
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

    synchronized void delivered(Delivery d) throws IOException {
        Files.deleteIfExists(dir.resolve(d.id() + ".json"));
        JsonFiles.syncDirectory(dir);
        pending.remove(d.id());
    }

    synchronized void update(Delivery d) throws IOException {
        JsonFiles.write(dir.resolve(d.id() + ".json"), d);
        pending.put(d.id(), d);
    }

    synchronized void giveUp(Delivery d) throws IOException {
        JsonFiles.write(failedDir.resolve(d.id() + ".json"), d);
        Files.deleteIfExists(dir.resolve(d.id() + ".json"));
        JsonFiles.syncDirectory(dir);
        pending.remove(d.id());
        failed.put(d.id(), d);
        List<Delivery> newestFirst = failed();
        for (Delivery old : newestFirst.subList(Math.min(KEEP_FAILED, newestFirst.size()), newestFirst.size())) {
            Files.deleteIfExists(failedDir.resolve(old.id() + ".json"));
            failed.remove(old.id());
        }
    }

    Path dir() {
        return dir;
    }
}
