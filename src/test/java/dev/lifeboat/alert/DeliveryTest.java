package dev.lifeboat.alert;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.lifeboat.testing.ExternalProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retries, backoff, permanent failures, ordering and the persistent outbox, against a real HTTP receiver. */
class DeliveryTest {
    static final String SECRET = "whsec-test-7f3a9c";

    @TempDir
    Path dir;
    Receiver receiver;
    AlertHarness h = new AlertHarness();
    AlertRuntime runtime;

    @BeforeEach
    void start() {
        receiver = new Receiver();
    }

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
        receiver.close();
    }

    private dev.lifeboat.config.AlertsConfig config(String extra) {
        return AlertHarness.config(dir, """
                  for: 0s
                  repeat-interval: 1h
                  delivery: {initial-backoff: 5s, max-backoff: 1m, max-attempts: 4, timeout: 30s}
                  sinks:
                    hook: {type: webhook, url: "%s", secret: %s}
                """.formatted(receiver.url("/hook/tok-in-path"), SECRET) + extra);
    }

    private void fire() throws Exception {
        h.set(AlertHarness.staleBackup(true));
        runtime.alerter.evaluate(List.of(h.source));
    }

    @Test
    void unavailableThenOkIsDeliveredExactlyOnce() throws Exception {
        receiver.server.stubFor(post("/hook/tok-in-path").inScenario("s").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503).withBody("busy")).willSetStateTo("up"));
        receiver.server.stubFor(post("/hook/tok-in-path").inScenario("s").whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));
        runtime = h.runtime(config(""));
        fire();
        assertEquals(1, runtime.deliverer.deliverDue());
        var waiting = runtime.outbox.pending().getFirst();
        assertEquals(1, waiting.attempts());
        assertEquals("HTTP 503 from http://127.0.0.1:" + receiver.server.port() + "/***: busy", waiting.lastError());
        // backoff after the first failure: between 2.5s and 5s
        Duration wait = Duration.between(h.clock.instant(), waiting.nextAttemptAt());
        assertTrue(wait.compareTo(Duration.ofMillis(2500)) >= 0 && wait.compareTo(Duration.ofSeconds(5)) <= 0, wait.toString());
        assertEquals(0, runtime.deliverer.deliverDue(), "not retried before its time");
        h.clock.advance(Duration.ofSeconds(5));
        assertEquals(1, runtime.deliverer.deliverDue());
        for (int i = 0; i < 5; i++) {
            h.clock.advance(Duration.ofMinutes(1));
            runtime.deliverer.deliverDue();
        }
        assertEquals(2, receiver.requests().size());
        assertEquals(1, h.outcome("hook", Deliverer.Outcome.DELIVERED));
        assertEquals(1, h.outcome("hook", Deliverer.Outcome.RETRY));
        assertTrue(runtime.outbox.pending().isEmpty());
        assertTrue(runtime.outbox.failed().isEmpty());
        // both attempts carried the same delivery id and body, each freshly signed
        List<LoggedRequest> reqs = receiver.requests();
        assertEquals(reqs.get(0).getHeader(Signer.DELIVERY_HEADER), reqs.get(1).getHeader(Signer.DELIVERY_HEADER));
        assertEquals(reqs.get(0).getBodyAsString(), reqs.get(1).getBodyAsString());
    }

    @Test
    void connectionResetIsRetried() throws Exception {
        receiver.server.stubFor(post("/hook/tok-in-path").inScenario("r").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("up"));
        receiver.server.stubFor(post("/hook/tok-in-path").inScenario("r").whenScenarioStateIs("up").willReturn(aResponse().withStatus(204)));
        runtime = h.runtime(config(""));
        fire();
        runtime.deliverer.deliverDue();
        var waiting = runtime.outbox.pending().getFirst();
        assertNotNull(waiting.lastError());
        assertFalse(waiting.lastError().contains("tok-in-path"), "errors never show the URL's path: " + waiting.lastError());
        h.clock.advance(Duration.ofSeconds(5));
        runtime.deliverer.deliverDue();
        assertTrue(runtime.outbox.pending().isEmpty());
        assertEquals(2, receiver.requests().size());
        assertEquals(1, h.outcome("hook", Deliverer.Outcome.DELIVERED));
    }

    @Test
    void pendingOutboxIsDeliveredAfterRestartWithoutRefiring() throws Exception {
        receiver.server.stubFor(post("/hook/tok-in-path").willReturn(aResponse().withStatus(502)));
        runtime = h.runtime(config(""));
        fire();
        runtime.deliverer.deliverDue();
        assertEquals(1, runtime.outbox.pending().size());
        String id = runtime.outbox.pending().getFirst().id();
        runtime.close();

        // "restart": new objects over the same directories, receiver healthy again
        receiver.server.resetAll();
        receiver.server.stubFor(post("/hook/tok-in-path").willReturn(aResponse().withStatus(200)));
        h.clock.advance(Duration.ofMinutes(1));
        runtime = h.runtime(config(""));
        assertEquals(List.of(id), runtime.outbox.pending().stream().map(Outbox.Delivery::id).toList());
        assertEquals(1, runtime.outbox.pending().getFirst().attempts(), "attempts survive the restart");
        fire(); // the condition still holds: the persisted state says it already fired, so nothing new is queued
        assertEquals(1, runtime.outbox.pending().size());
        runtime.deliverer.deliverDue();
        assertTrue(runtime.outbox.pending().isEmpty());
        assertEquals(1, receiver.requests().size());
        assertTrue(receiver.requests().getFirst().getBodyAsString().contains("\"kind\":\"firing\""));
    }

    @Test
    void permanentFailureIsGivenUpAndVisible() throws Exception {
        receiver.server.stubFor(post("/hook/tok-in-path").willReturn(aResponse().withStatus(404).withBody("no such hook tok-in-path")));
        runtime = h.runtime(config(""));
        fire();
        runtime.deliverer.deliverDue();
        assertTrue(runtime.outbox.pending().isEmpty());
        var failed = runtime.outbox.failed();
        assertEquals(1, failed.size());
        assertTrue(failed.getFirst().lastError().startsWith("permanent failure: HTTP 404"), failed.getFirst().lastError());
        assertFalse(failed.getFirst().lastError().contains("tok-in-path"), failed.getFirst().lastError());
        assertEquals(1, receiver.requests().size());
        assertTrue(Files.exists(runtime.outbox.dir().resolve("failed").resolve(failed.getFirst().id() + ".json")));
    }

    @Test
    void retriesStopAtMaxAttempts() throws Exception {
        receiver.server.stubFor(post("/hook/tok-in-path").willReturn(aResponse().withStatus(500)));
        runtime = h.runtime(config(""));
        fire();
        for (int i = 0; i < 20; i++) {
            runtime.deliverer.deliverDue();
            h.clock.advance(Duration.ofMinutes(1));
        }
        assertEquals(4, receiver.requests().size());
        assertEquals(1, runtime.outbox.failed().size());
        assertTrue(runtime.outbox.failed().getFirst().lastError().startsWith("gave up after 4 attempts"));
    }

    @Test
    void resolveNeverOvertakesItsTrigger() throws Exception {
        receiver.server.stubFor(post("/hook/tok-in-path").inScenario("o").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        receiver.server.stubFor(post("/hook/tok-in-path").inScenario("o").whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));
        runtime = h.runtime(config(""));
        fire();
        runtime.deliverer.deliverDue(); // trigger: 503, waits
        h.set(AlertHarness.staleBackup(false));
        runtime.alerter.evaluate(List.of(h.source));
        runtime.deliverer.deliverDue(); // the resolve must wait behind the trigger
        assertEquals(1, receiver.requests().size());
        h.clock.advance(Duration.ofSeconds(5));
        runtime.deliverer.deliverDue();
        List<String> kinds = receiver.requests().stream().map(r -> r.getBodyAsString().contains("\"kind\":\"resolved\"") ? "resolved" : "firing").toList();
        assertEquals(List.of("firing", "firing", "resolved"), kinds);
    }

    @Test
    void hundredEvaluationsOfASteadyFailureAcrossARestartAreOneFiringPlusRepeatsThenOneResolved() throws Exception {
        receiver.server.stubFor(post("/hook/tok-in-path").willReturn(aResponse().withStatus(200)));
        var config = AlertHarness.config(dir, """
                  for: 2m
                  repeat-interval: 30m
                  sinks:
                    hook: {type: webhook, url: "%s"}
                """.formatted(receiver.url("/hook/tok-in-path")));
        runtime = h.runtime(config);
        h.set(AlertHarness.staleBackup(true));
        for (int i = 0; i < 100; i++) { // one evaluation a minute
            if (i == 50) { // the agent restarts half-way: state and outbox come back from disk
                runtime.close();
                runtime = h.runtime(config);
            }
            runtime.alerter.evaluate(List.of(h.source));
            runtime.deliverer.deliverDue();
            h.clock.advance(Duration.ofMinutes(1));
        }
        List<String> sent = receiver.requests().stream().map(r -> r.getBodyAsString().contains("\"repeat\":true") ? "repeat" : "firing").toList();
        // fires at minute 2, reminders at 32, 62, 92
        assertEquals(List.of("firing", "repeat", "repeat", "repeat"), sent);

        h.set(AlertHarness.staleBackup(false));
        for (int i = 0; i < 20; i++) {
            runtime.alerter.evaluate(List.of(h.source));
            runtime.deliverer.deliverDue();
            h.clock.advance(Duration.ofMinutes(1));
        }
        assertEquals(5, receiver.requests().size());
        assertTrue(receiver.requests().getLast().getBodyAsString().contains("\"status\":\"resolved\""));
    }

    @Test
    void signatureVerifiesWithOpenssl() throws Exception {
        receiver.server.stubFor(post("/hook/tok-in-path").willReturn(aResponse().withStatus(200)));
        runtime = h.runtime(config(""));
        fire();
        runtime.deliverer.deliverDue();
        LoggedRequest r = receiver.server.findAll(postRequestedFor(urlEqualTo("/hook/tok-in-path"))).getFirst();
        String timestamp = r.getHeader(Signer.TIMESTAMP_HEADER);
        String signature = r.getHeader(Signer.SIGNATURE_HEADER);
        assertEquals(Long.toString(h.clock.instant().getEpochSecond()), timestamp);
        Path signed = dir.resolve("signed-content");
        Files.write(signed, concat((timestamp + ".").getBytes(StandardCharsets.US_ASCII), r.getBody()));
        String out = ExternalProcess.run(List.of("openssl", "dgst", "-sha256", "-hmac", SECRET, signed.toString()), Duration.ofSeconds(30));
        String hex = out.trim().substring(out.trim().lastIndexOf('=') + 1).trim();
        assertEquals("sha256=" + hex, signature);
        // and a tampered body does not verify
        Files.write(signed, concat((timestamp + ".").getBytes(StandardCharsets.US_ASCII), r.getBodyAsString().replace("critical", "info").getBytes(StandardCharsets.UTF_8)));
        String tampered = ExternalProcess.run(List.of("openssl", "dgst", "-sha256", "-hmac", SECRET, signed.toString()), Duration.ofSeconds(30));
        assertFalse(signature.endsWith(tampered.trim().substring(tampered.trim().lastIndexOf('=') + 1).trim()));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
