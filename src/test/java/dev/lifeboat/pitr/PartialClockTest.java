package dev.lifeboat.pitr;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the archiver stores a partial ({@link PartialClock}), on a clock the test moves. */
class PartialClockTest {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final Instant T0 = Instant.parse("2026-12-05T05:00:00Z");

    static Instant at(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    @Test
    void walThatArrivesDuringAnUploadIsDueATimeoutAfterThatUploadStarted() {
        PartialClock clock = new PartialClock(TIMEOUT, at(0));
        clock.drained(at(0));
        clock.unstored(clock.arrivalBound());
        clock.uploadStarting(at(5));
        clock.uploaded(at(8)); // a slow upload: 3 s
        // WAL committed while it ran is read only now; it may have waited since the upload started.
        clock.unstored(clock.arrivalBound());
        assertFalse(clock.partialDue(at(9.9)));
        assertTrue(clock.partialDue(at(10)), "due archive-timeout after the upload started, not after it ended (13 s)");
    }

    @Test
    void walAfterAQuietPeriodIsDueAtOnce() {
        PartialClock clock = new PartialClock(TIMEOUT, at(0));
        clock.uploadStarting(at(1));
        clock.uploaded(at(1.2));
        clock.drained(at(60));
        clock.unstored(clock.arrivalBound());
        assertTrue(clock.partialDue(at(60.01)));
    }

    @Test
    void walFollowingAStoredPartialWaitsATimeoutFromWhenItCouldHaveBeenCommitted() {
        PartialClock clock = new PartialClock(TIMEOUT, at(0));
        clock.uploadStarting(at(10));
        clock.uploaded(at(10.2));
        clock.drained(at(11));
        clock.unstored(clock.arrivalBound());
        clock.drained(at(12)); // later messages do not move the oldest WAL's time
        clock.unstored(clock.arrivalBound());
        assertFalse(clock.partialDue(at(15.1)), "a partial less than archive-timeout after the previous one, for WAL 4 s old");
        assertTrue(clock.partialDue(at(16)));
    }

    @Test
    void aBacklogReadAfterAnUploadDoesNotStartAPartialPerMessage() {
        PartialClock clock = new PartialClock(TIMEOUT, at(0));
        clock.drained(at(0)); // never drained again: the archiver reads a backlog
        clock.unstored(clock.arrivalBound());
        clock.uploadStarting(at(5));
        clock.uploaded(at(5.5));
        clock.unstored(clock.arrivalBound());
        assertFalse(clock.partialDue(at(6)), "partials start at least archive-timeout apart");
        assertTrue(clock.partialDue(at(10)));
    }

    @Test
    void nothingUnstoredIsNeverDue() {
        PartialClock clock = new PartialClock(TIMEOUT, at(0));
        assertFalse(clock.partialDue(at(3600)));
        clock.unstored(clock.arrivalBound());
        clock.uploadStarting(at(5));
        clock.uploaded(at(5.1));
        assertFalse(clock.partialDue(at(3600)));
    }
}
