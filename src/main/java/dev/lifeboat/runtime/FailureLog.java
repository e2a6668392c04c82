package dev.lifeboat.runtime;

import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Log discipline for an operation that can fail over and over (a sync every second during an object-store outage):
 * the first failure is logged as it happens, then at most one line a {@link #EVERY} with the count and how long it
 * has been failing, and one line when it succeeds again. The first line is what a person needs; a line a second
 * buries it.
 */
public final class FailureLog {
    static final Duration EVERY = Duration.ofMinutes(1);

    private final Logger log;
    private final String operation;
    private final Clock clock;
    private Instant failingSince;
    private Instant lastLine;
    private long failures;

    /** {@code operation} names what fails, for people: {@code "sqlite app: sync"}. */
    public FailureLog(Logger log, String operation) {
        this(log, operation, Clock.systemUTC());
    }

    FailureLog(Logger log, String operation, Clock clock) {
        this.log = log;
        this.operation = operation;
        this.clock = clock;
    }

    /** Records a failure; logs it when it is the first, or when the last line is a minute old (then returns true). */
    public synchronized boolean failed(String error) {
        Instant now = clock.instant();
        failures++;
        if (failingSince == null) {
            failingSince = now;
            lastLine = now;
            log.warnf("%s failed: %s", operation, error);
            return true;
        } else if (Duration.between(lastLine, now).compareTo(EVERY) >= 0) {
            lastLine = now;
            log.warnf("%s still failing: %d failures in %s, the latest: %s", operation, failures, Human.duration(Duration.between(failingSince, now)), error);
            return true;
        }
        return false;
    }

    /** Records a success; logs the recovery when it ends a run of failures (then returns true). */
    public synchronized boolean succeeded() {
        if (failingSince == null) {
            return false;
        }
        log.infof("%s recovered after %d failure(s) in %s", operation, failures, Human.duration(Duration.between(failingSince, clock.instant())));
        failingSince = null;
        failures = 0;
        return true;
    }

    /** True while the last attempt failed. */
    public synchronized boolean failing() {
        return failingSince != null;
    }
}
