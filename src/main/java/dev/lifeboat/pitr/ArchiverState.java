package dev.lifeboat.pitr;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What the archiver thread has seen, written by it and read by status; every method is synchronized. */
final class ArchiverState {
    private final String slot;
    private String state = "starting";
    private List<String> problems = List.of();
    private Integer timeline;
    private Lsn archived;
    private Lsn serverEnd;
    private Lsn slotRestart;
    private Instant unarchivedSince;
    private Instant lastUploadAt;
    private String lastError;
    private Instant lastErrorAt;
    private long segments;
    private long partials;
    private final java.util.Map<String, WalArchive.Conflict> conflicts = new java.util.TreeMap<>();

    ArchiverState(String slot) {
        this.slot = slot;
    }

    synchronized void streaming(int timeline) {
        this.timeline = timeline;
        state = "streaming";
        problems = List.of();
    }

    synchronized void preflightFailed(List<String> problems) {
        state = "preflight-failed";
        this.problems = List.copyOf(problems);
        lastError = String.join("; ", problems);
        lastErrorAt = Instant.now();
    }

    synchronized void failed(String message) {
        state = "retrying";
        lastError = message;
        lastErrorAt = Instant.now();
    }

    /** The server's WAL end and the slot's restart position, as a session start or a message shows them. */
    synchronized void server(Lsn end, Lsn restart) {
        if (end != null && (serverEnd == null || end.isAfter(serverEnd))) {
            serverEnd = end;
        }
        if (restart != null) {
            slotRestart = restart;
        }
        track();
    }

    synchronized void archived(Lsn position, boolean complete, boolean uploaded) {
        if (archived == null || position.isAfter(archived)) {
            archived = position;
        }
        if (uploaded) {
            lastUploadAt = Instant.now();
            if (complete) {
                segments++;
            } else {
                partials++;
            }
            lastError = null;
        }
        track();
    }

    /** The conflicts a session start found in the archive's listing (replacing those known before). */
    synchronized void conflicts(List<WalArchive.Conflict> found) {
        conflicts.clear();
        found.forEach(this::conflict);
    }

    /** A conflict an upload left. */
    synchronized void conflict(WalArchive.Conflict c) {
        conflicts.put(c.fileName(), c);
    }

    /** The position reported as flushed: the slot's restart_lsn follows it. */
    synchronized void confirmed(Lsn flushed) {
        slotRestart = flushed;
    }

    private void track() {
        boolean behind = serverEnd != null && (archived == null || serverEnd.isAfter(archived));
        if (!behind) {
            unarchivedSince = null;
            if ("streaming".equals(state)) {
                lastError = null; // streaming and caught up: whatever failed before works again
            }
        } else if (unarchivedSince == null) {
            unarchivedSince = Instant.now();
        }
    }

    synchronized WalArchiveStatus snapshot() {
        Long lagBytes = serverEnd == null || archived == null ? null : serverEnd.minus(archived);
        Double lagSeconds = serverEnd == null ? null
                : unarchivedSince == null ? 0.0 : Duration.between(unarchivedSince, Instant.now()).toMillis() / 1000.0;
        Long retained = serverEnd == null || slotRestart == null ? null : serverEnd.minus(slotRestart);
        return new WalArchiveStatus(state, problems, slot, timeline, archived == null ? null : archived.toString(),
                serverEnd == null ? null : serverEnd.toString(), lagBytes, lagSeconds, retained, lastUploadAt, lastError,
                lastErrorAt, segments, partials, conflicts.values().stream().map(WalArchive.Conflict::describe).toList());
    }
}
