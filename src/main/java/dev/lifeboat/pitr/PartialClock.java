package dev.lifeboat.pitr;

import java.time.Duration;
import java.time.Instant;

/**
 * When the archiver stores the segment in progress as a partial, so that committed WAL waits at most about
 * {@code archive-timeout} plus one upload before it is in the store.
 *
 * <p>The clock starts when the oldest WAL not yet stored was committed. The archiver cannot see commit times, so it
 * bounds them from below: WAL received after the stream was last seen drained (nothing waiting) was committed no
 * earlier than that moment, and WAL received after an upload started (the stream is not read while an upload runs)
 * counts from that upload's start. Counting from the previous upload's end instead would add the upload time to
 * every period, and the WAL that arrived during an upload would wait two uploads and a timeout. The second bound
 * also keeps partials at least {@code archive-timeout} apart while a backlog is read. After a quiet period (no upload
 * for {@code archive-timeout}) new WAL is due at once.
 *
 * <p>Single-threaded (the archiver's session); every method takes the current time, so the rule is testable.
 */
final class PartialClock {
    private final Duration archiveTimeout;
    private Instant drainedAt;
    private Instant uploadStarted = Instant.EPOCH;
    private Instant uploadEnded = Instant.EPOCH;
    /** The lower bound of the commit time of the oldest unstored WAL; null while everything received is stored. */
    private Instant unstoredSince;

    PartialClock(Duration archiveTimeout, Instant now) {
        this.archiveTimeout = archiveTimeout;
        this.drainedAt = now;
    }

    /** The stream had nothing waiting at {@code now}. */
    void drained(Instant now) {
        drainedAt = now;
    }

    /**
     * The bound for WAL in a message being read now: take it before storing anything the message completes, as the
     * message's later bytes arrived before that upload.
     */
    Instant arrivalBound() {
        return drainedAt.isAfter(uploadStarted) ? drainedAt : uploadStarted;
    }

    /** WAL not in the store yet was received, committed no earlier than {@code arrivalBound}. */
    void unstored(Instant arrivalBound) {
        if (unstoredSince == null) {
            unstoredSince = arrivalBound;
        }
    }

    /** An upload of everything received so far starts. */
    void uploadStarting(Instant now) {
        uploadStarted = now;
    }

    /** That upload is durable: nothing received is unstored (nothing is read while an upload runs). */
    void uploaded(Instant now) {
        uploadEnded = now;
        unstoredSince = null;
    }

    /** Whether the segment in progress should be stored now. */
    boolean partialDue(Instant now) {
        return unstoredSince != null
                && (!now.isBefore(unstoredSince.plus(archiveTimeout)) || !now.isBefore(uploadEnded.plus(archiveTimeout)));
    }

    /** How long the oldest unstored WAL has waited at most; zero when everything is stored. */
    Duration waited(Instant now) {
        return unstoredSince == null ? Duration.ZERO : Duration.between(unstoredSince, now);
    }
}
