package dev.lifeboat.alert;

import dev.lifeboat.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sink that keeps failing: its first failed attempt is logged and each notification given up, not every retry. */
class DeliveryLogTest {
    @TempDir
    Path dir;
    final Receiver receiver = new Receiver();
    final AlertHarness h = new AlertHarness();
    AlertRuntime runtime;

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
        receiver.close();
    }

    @Test
    void aFailingSinkLogsItsFirstFailureAndEachGiveUpNotEveryAttempt() throws Exception {
        receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(503).withBody("down for maintenance")));
        runtime = h.runtime(AlertHarness.config(dir, """
                  for: 0s
                  repeat-interval: 1h
                  delivery: {initial-backoff: 1s, max-backoff: 2s, max-attempts: 8, timeout: 30s}
                  sinks:
                    hook: {type: webhook, url: "%s"}
                """.formatted(receiver.url("/hook"))));
        try (LogCapture log = LogCapture.of(Deliverer.class)) {
            h.set(AlertHarness.staleBackup(true));
            runtime.alerter.evaluate(List.of(h.source));
            for (int i = 0; i < 20; i++) {
                runtime.deliverer.deliverDue();
                h.clock.advance(Duration.ofSeconds(3));
            }
            assertEquals(8, receiver.requests().size(), "every attempt was made");
            assertEquals(7, h.outcome("hook", Deliverer.Outcome.RETRY));
            List<String> lines = log.lines(Level.WARNING, "hook");
            assertEquals(2, lines.size(), "one line for the first failed attempt and one for the give-up, not one per attempt: " + lines);
            List<String> failing = log.lines(Level.WARNING, "alert sink hook: delivery failed");
            assertEquals(1, failing.size(), failing.toString());
            assertTrue(failing.getFirst().contains("HTTP 503"), failing.getFirst());
            List<String> givenUp = log.lines(Level.SEVERE, "not delivered");
            assertEquals(1, givenUp.size(), "one line for the notification given up: " + givenUp);
        }
    }
}
