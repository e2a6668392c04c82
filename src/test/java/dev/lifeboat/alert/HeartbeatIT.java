package dev.lifeboat.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.function.Predicate;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged agent's ({@link LifeboatBinary}) dead man's switch against a real receiver: pings arrive while the destination is reachable,
 * stop while it is not (destination-unreachable is critical, so the verdict is failing, already while the alert is
 * pending), and resume when it is back. The ping URL's key never shows in status or the log.
 */
class HeartbeatIT {
    static final String PING_KEY = "hb-3c2b1a0f9e8d";
    /** Upper bound for waiting only, so that a broken build fails instead of hanging; never an assertion on speed. */
    static final Duration GIVE_UP = Duration.ofSeconds(120);
    final List<Process> started = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void stopAll() {
        started.forEach(ExternalProcess::stop);
    }

    @Test
    void pingsStopWhileTheDestinationIsDownAndResumeAfter() throws Exception {
        try (Receiver receiver = new Receiver()) {
            receiver.server.stubFor(get("/ping/" + PING_KEY).willReturn(aResponse().withStatus(200)));
            Path dir = Files.createTempDirectory("lifeboat-heartbeat-it-");
            Path dest = Files.createDirectories(dir.resolve("dest"));
            Path away = dir.resolve("dest-away");
            Path config = dir.resolve("lifeboat.yml");
            Files.writeString(config, """
                    destinations:
                      backups: {url: "file://%s"}
                    alerts:
                      for: 1h
                      evaluate-interval: 1s
                      state-dir: %s
                      heartbeat: {url: "%s", interval: 1s}
                    """.formatted(dest, dir.resolve("state"), receiver.url("/ping/" + PING_KEY)));
            int port = ExternalProcess.freePort();
            Path log = dir.resolve("agent.log");
            Process agent = launch(dir, config, port, log);

            await("three pings while healthy", () -> pings(receiver) >= 3 || !agent.isAlive());
            assertTrue(agent.isAlive(), "agent exited: " + Files.readString(log));
            JsonNode healthy = status(port);
            assertEquals("ok", healthy.path("status").asText(), healthy.toString());
            assertTrue(healthy.path("alerts").path("heartbeat").path("lastPingOk").asBoolean(), healthy.toString());

            Files.move(dest, away); // the destination directory (a mounted bucket, a volume) goes away
            JsonNode down = awaitStatus(port, "the verdict failing and the heartbeat paused",
                    s -> s.path("status").asText().equals("failing") && s.path("alerts").path("heartbeat").has("pausedSince"));
            int pingsWhenPaused = pings(receiver);
            Instant pausedSince = Instant.parse(down.path("alerts").path("heartbeat").path("pausedSince").asText());
            assertEquals("destination-unreachable", down.path("reasons").path(0).path("rule").asText(), down.toString());
            assertEquals(0, down.path("alerts").path("firing").size(), "still pending (for: 1h), yet failing: " + down);
            // let at least five heartbeat intervals pass on the agent's own clock while it stays down
            JsonNode stillDown = awaitStatus(port, "five intervals while down", s -> Instant.parse(s.path("now").asText()).isAfter(pausedSince.plusSeconds(5)));
            assertEquals("failing", stillDown.path("status").asText(), stillDown.toString());
            assertEquals(pingsWhenPaused, pings(receiver), "no ping while the verdict is failing");
            assertFalse(Instant.parse(stillDown.path("alerts").path("heartbeat").path("lastPingAt").asText()).isAfter(pausedSince),
                    stillDown.toString());

            Files.move(away, dest);
            await("pings again after the destination is back", () -> pings(receiver) > pingsWhenPaused);
            JsonNode back = awaitStatus(port, "ok again", s -> s.path("status").asText().equals("ok"));
            assertFalse(back.path("alerts").path("heartbeat").has("paused"), back.toString());

            String shown = back.toString() + Files.readString(log);
            assertFalse(shown.contains(PING_KEY), "the ping URL's key is never shown");
            assertTrue(back.path("alerts").path("heartbeat").path("target").asText().endsWith("/***"), back.toString());
        }
    }

    private Process launch(Path dir, Path config, int port, Path log) throws IOException {
        Process p = LifeboatBinary.start(dir, log, port, Map.of("LIFEBOAT_DESTINATION_CHECK_INTERVAL", "1s"),
                "agent", "--config", config.toString());
        started.add(p);
        return p;
    }

    private static int pings(Receiver receiver) {
        return receiver.server.findAll(getRequestedFor(urlEqualTo("/ping/" + PING_KEY))).size();
    }

    private JsonNode status(int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return json.readTree(r.body());
        } catch (IOException e) {
            return json.createObjectNode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return json.createObjectNode();
        }
    }

    /** Polls the status until {@code until} holds for it, and returns that document. */
    private JsonNode awaitStatus(int port, String what, Predicate<JsonNode> until) throws InterruptedException {
        JsonNode[] last = new JsonNode[1];
        await(what, () -> {
            last[0] = status(port);
            return last[0].has("now") && until.test(last[0]);
        });
        return last[0];
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        Await.until(what, GIVE_UP, condition);
    }
}
