package dev.lifeboat.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dead man's switch against a real receiver, on a hand-moved clock: one GET per interval while the verdict is
 * not failing and the rules are evaluated, none while it fails or nothing evaluates, and the URL never shown.
 */
class HeartbeatTest {
    static final String PING_KEY = "pk-9f8e7d6c5b4a";

    @TempDir
    Path dir;
    Receiver receiver;
    final AlertHarness h = new AlertHarness();
    AlertRuntime runtime;

    @BeforeEach
    void start() {
        receiver = new Receiver();
        receiver.server.stubFor(get("/ping/" + PING_KEY).willReturn(aResponse().withStatus(200)));
        runtime = h.runtime(AlertHarness.config(dir, """
                  for: 1h
                  heartbeat: {url: "%s", interval: 1m}
                """.formatted(receiver.url("/ping/" + PING_KEY))));
    }

    @AfterEach
    void stop() {
        runtime.close();
        receiver.close();
    }

    private boolean tick() {
        return runtime.heartbeat.tick(runtime.verdict(), runtime.alerter.lastEvaluatedAt());
    }

    private void evaluate(Condition... conditions) {
        h.set(conditions);
        runtime.alerter.evaluate(List.of(h.source));
    }

    private int pings() {
        return receiver.server.findAll(getRequestedFor(urlEqualTo("/ping/" + PING_KEY))).size();
    }

    @Test
    void pingsOncePerIntervalOnlyWhileNotFailing() {
        assertFalse(tick(), "no ping before the rules were evaluated once");
        assertEquals(0, pings());

        evaluate();
        assertTrue(tick());
        assertFalse(tick(), "not again within the interval");
        assertEquals(1, pings());
        assertTrue(runtime.heartbeat.status().lastPingOk());

        h.clock.advance(Duration.ofSeconds(30));
        evaluate(new Condition("destination-unreachable", "s3", Severity.CRITICAL, true, "down", null, null));
        h.clock.advance(Duration.ofMinutes(5));
        evaluate(new Condition("destination-unreachable", "s3", Severity.CRITICAL, true, "down", null, null));
        assertFalse(tick(), "a pending critical alert (for: 1h) already fails the verdict");
        h.clock.advance(Duration.ofMinutes(5));
        assertFalse(tick());
        assertEquals(1, pings());
        Heartbeat.Status paused = runtime.heartbeat.status();
        assertNotNull(paused.pausedSince());
        assertTrue(paused.paused().contains("destination-unreachable/s3"), paused.paused());

        evaluate(new Condition("destination-unreachable", "s3", Severity.CRITICAL, false, "back", null, null),
                new Condition("replication-lag", "app", Severity.WARNING, true, "behind", null, null));
        assertTrue(tick(), "degraded still pings: only failing stops the heartbeat");
        assertEquals(2, pings());
        assertNull(runtime.heartbeat.status().paused());
    }

    @Test
    void rulesNotEvaluatedForThreeIntervalsStopThePings() {
        evaluate();
        assertTrue(tick());
        // evaluate-interval 30s: 3 of them plus the heartbeat interval without an evaluation is a blind agent
        h.clock.advance(Duration.ofMinutes(3));
        assertFalse(tick());
        assertTrue(runtime.heartbeat.status().paused().contains("last evaluated"), runtime.heartbeat.status().paused());
        evaluate();
        assertTrue(tick());
        assertEquals(2, pings());
    }

    @Test
    void theUrlIsNeverShownNotEvenInErrors() throws Exception {
        receiver.server.stubFor(get("/ping/" + PING_KEY).willReturn(aResponse().withStatus(503).withBody("no such check " + PING_KEY)));
        evaluate();
        assertTrue(tick());
        Heartbeat.Status s = runtime.heartbeat.status();
        assertFalse(s.lastPingOk());
        assertTrue(s.lastError().startsWith("HTTP 503"), s.lastError());
        String json = new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .writeValueAsString(AlertsStatus.Running.of(runtime));
        assertTrue(json.contains("\"heartbeat\":{\"target\":\"http://127.0.0.1:" + receiver.server.port() + "/***\",\"interval\":\"PT1M\""), json);
        assertFalse(json.contains(PING_KEY), json);
    }
}
