package dev.lifeboat.alert;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.LifeboatBinary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged agent end to end ({@link LifeboatBinary}: the jar, or the native executable {@code -Dlifeboat.binary}
 * names): {@code lifeboat agent} notices a destination it cannot reach, fires one signed
 * webhook, answers the test endpoint, and after a restart neither fires again nor resolves before it knows.
 */
class AlertingAgentIT {
    static final String TOKEN = "it-api-token-0b1c";
    static final String SECRET = "it-signing-secret-77";
    final List<Process> started = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stopAll() {
        started.forEach(ExternalProcess::stop);
    }

    private Process launch(Path dir, Path config, int port) throws IOException {
        Process p = LifeboatBinary.start(dir, dir.resolve("agent-" + System.nanoTime() + ".log"), port,
                Map.of("FLY_APP_NAME", "it-app"), "agent", "--config", config.toString());
        started.add(p);
        return p;
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, timeout, condition);
    }

    private String get(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    @Test
    void agentFiresOnceSurvivesARestartAndSendsTests() throws Exception {
        try (Receiver receiver = new Receiver()) {
            receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
            Path dir = Files.createTempDirectory("lifeboat-alert-it-");
            Files.writeString(dir.resolve("not-a-dir"), "x"); // a destination under a regular file can never be reached
            Path config = dir.resolve("lifeboat.yml");
            Files.writeString(config, """
                    destinations:
                      gone: {url: "file://%s/not-a-dir/replica"}
                    alerts:
                      for: 0s
                      evaluate-interval: 1s
                      state-dir: %s
                      sinks:
                        hook: {type: webhook, url: "%s", secret: %s, min-severity: info}
                    http:
                      api-token: %s
                    """.formatted(dir, dir.resolve("state"), receiver.url("/hook"), SECRET, TOKEN));
            int port = ExternalProcess.freePort();
            Process agent = launch(dir, config, port);
            await("the firing webhook", Duration.ofSeconds(120), () -> !receiver.requests().isEmpty() || !agent.isAlive());
            assertTrue(agent.isAlive(), "agent exited");
            LoggedRequest firing = receiver.requests().getFirst();
            String body = firing.getBodyAsString();
            assertTrue(body.contains("\"key\":\"destination-unreachable/gone\""), body);
            assertTrue(body.contains("\"status\":\"firing\""), body);
            assertTrue(body.contains("\"app\":\"it-app\""), "Fly labels travel with the alert: " + body);
            assertEquals(Signer.sign(SECRET, Long.parseLong(firing.getHeader(Signer.TIMESTAMP_HEADER)), firing.getBody()),
                    firing.getHeader(Signer.SIGNATURE_HEADER));

            HttpResponse<String> test = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/alerts/test"))
                    .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, test.statusCode(), test.body());
            assertEquals(2, receiver.requests().size());
            assertTrue(receiver.requests().getLast().getBodyAsString().contains("\"kind\":\"test\""));

            ExternalProcess.stop(agent);
            Instant restartedAt = Instant.now();
            Process again = launch(dir, config, port);
            // wait until the restarted agent has checked the destination and evaluated after that
            await("an evaluation after the first destination check", Duration.ofSeconds(120), () -> {
                String status = get(port, "/api/v1/status");
                String alerts = get(port, "/api/v1/alerts");
                return !again.isAlive() || (status.contains("\"reachable\":false") && alerts.contains("\"lastEvaluatedAt\":\"")
                        && evaluatedAfterCheck(status, alerts, restartedAt));
            });
            String alerts = get(port, "/api/v1/alerts");
            assertTrue(alerts.contains("\"key\":\"destination-unreachable/gone\""), alerts);
            assertTrue(alerts.contains("\"notifications\":1"), "still the first notification: " + alerts);
            assertEquals(2, receiver.requests().size(), "no new firing and no resolve after the restart");
            assertFalse(receiver.requests().stream().anyMatch(r -> r.getBodyAsString().contains("\"status\":\"resolved\"")));
        }
    }

    /** True when the alerts' last evaluation is after the destination's last check, both after {@code since}. */
    private static boolean evaluatedAfterCheck(String status, String alerts, Instant since) {
        Instant checked = instantAfter(status, "\"checkedAt\":\"");
        Instant evaluated = instantAfter(alerts, "\"lastEvaluatedAt\":\"");
        return checked != null && evaluated != null && checked.isAfter(since) && evaluated.isAfter(checked);
    }

    private static Instant instantAfter(String json, String marker) {
        int i = json.indexOf(marker);
        if (i < 0) {
            return null;
        }
        int start = i + marker.length();
        return Instant.parse(json.substring(start, json.indexOf('"', start)));
    }
}
