package dev.lifeboat.runtime;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A failure a second during an outage logs the first, then one line a minute, then the recovery. */
class FailureLogTest {
    private Instant now = Instant.parse("2026-12-04T00:00:00Z");

    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void aSixtySecondOutageLogsTwoLinesNotSixty() {
        FailureLog log = new FailureLog(Logger.getLogger(FailureLogTest.class), "sqlite app: sync", clock);
        assertFalse(log.succeeded(), "nothing to recover from");
        int lines = 0;
        for (int second = 0; second < 62; second++) {
            lines += log.failed("connection refused") ? 1 : 0;
            now = now.plus(Duration.ofSeconds(1));
        }
        assertTrue(log.failing());
        assertTrue(lines == 2, "the first failure and one line a minute later, not " + lines);
        assertTrue(log.succeeded(), "the recovery is logged");
        assertFalse(log.failing());
        assertTrue(log.failed("again"), "a new outage logs its first failure at once");
    }
}
