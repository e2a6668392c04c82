package dev.lifeboat.alert;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.TestConfigs;
import dev.lifeboat.volume.Condition.Kind;
import dev.lifeboat.volume.Mounts;
import dev.lifeboat.volume.VolumeMonitor;
import dev.lifeboat.volume.VolumeReport;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The alert state directory on the volume that fills up (as the README recommends): {@code volume-low-space} still
 * reaches a real webhook while every write to that volume fails with ENOSPC, status and one alert say the state is
 * not written, and once space returns {@code alerts.json} and the outbox entries held in memory are written again.
 * A real tmpfs (needs root) checked by the real volume monitor.
 */
@QuarkusTest
class FullDiskAlertTest {
    /** Upper bound for waiting only, so that a broken build fails instead of hanging; never an assertion on speed. */
    private static final Duration GIVE_UP = Duration.ofSeconds(60);

    @Inject
    ActiveConfig active;

    @Inject
    VolumeMonitor monitor;

    @Inject
    AlertService alerts;

    @AfterEach
    void restoreDefaults() {
        monitor.stop();
        Path defaults = ConfigLoader.resolvePath(null);
        active.install(defaults, new ConfigLoader().load(defaults));
    }

    @Test
    void volumeLowSpaceReachesTheWebhookWhileTheStateDirIsOnTheFullVolume() throws Exception {
        Mounts.assumeCanMount();
        Path base = Files.createTempDirectory("lifeboat-full-disk");
        Path vol = base.resolve("data");
        Path stateDir = vol.resolve("alerts");
        Path stateFile = stateDir.resolve(AlertStateStore.FILE);
        try (Mounts mounts = new Mounts(); Receiver receiver = new Receiver()) {
            receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
            receiver.server.stubFor(post("/later").willReturn(aResponse().withStatus(503))); // keeps its deliveries in the outbox
            mounts.tmpfs(vol, "size=2m");
            String yaml = """
                    volumes:
                      data: {path: %s, check-interval: 200ms, min-free: 50%%}
                    alerts:
                      for: 0s
                      state-dir: %s
                      sinks:
                        hook: {type: webhook, url: "%s"}
                        later: {type: webhook, url: "%s", rules: [volume-low-space]}
                    """.formatted(vol, stateDir, receiver.url("/hook"), receiver.url("/later"));
            LifeboatConfig config = TestConfigs.parse(yaml);
            active.install(TestConfigs.write(base, yaml), config);
            monitor.start(config);
            await(r -> r.sequence() >= 1 && !r.has(Kind.LOW_SPACE));
            alerts.evaluate();
            assertTrue(Files.exists(stateFile), "alerts.json is written while there is space");

            fill(vol.resolve("filler"));
            await(r -> r.has(Kind.LOW_SPACE));
            List<AlertLifecycle.Event> events = alerts.evaluate(); // before: IOException "No space left on device"
            assertTrue(events.stream().anyMatch(e -> e.kind() == AlertLifecycle.Event.Kind.FIRING && e.alert().key().equals("volume-low-space/data")),
                    events.toString());
            alerts.deliver();
            List<String> delivered = bodies(receiver, "/hook");
            assertTrue(delivered.stream().anyMatch(b -> b.contains("\"key\":\"volume-low-space/data\"") && b.contains("\"status\":\"firing\"")),
                    "volume-low-space reaches the webhook from memory: " + delivered);
            assertFalse(Files.readString(stateFile).contains("volume-low-space"), "alerts.json could not take the new state");
            assertEquals(List.of("later"), alerts.runtime().outbox.pending().stream().map(Outbox.Delivery::sink).toList(),
                    "the 503 sink's delivery waits, in memory only");

            given().get("/api/v1/status").then().statusCode(200)
                    .body("status", equalTo("failing"))
                    .body("reasons.rule", hasItem("volume-low-space"))
                    .body("alerts.persistence.ok", equalTo(false))
                    .body("alerts.persistence.error", containsString("No space left on device"))
                    .body("alerts.persistence.error", containsString(stateDir.toString()));

            String unwritableKey = "\"key\":\"alert-state-unwritable/" + stateDir + "\"";
            for (int i = 0; i < 3; i++) {
                alerts.evaluate();
                alerts.deliver();
            }
            assertEquals(1, bodies(receiver, "/hook").stream().filter(b -> b.contains(unwritableKey)).count(),
                    "one alert about the unwritable state, however many evaluations fail to write: " + bodies(receiver, "/hook"));
            given().get("/api/v1/status").then().body("alerts.firing.key", hasItem("alert-state-unwritable/" + stateDir));

            Files.delete(vol.resolve("filler"));
            alerts.evaluate();
            assertTrue(Files.readString(stateFile).contains("\"volume-low-space/data\""), "alerts.json is written again once space returns");
            try (Stream<Path> outbox = Files.list(stateDir.resolve("outbox"))) {
                assertTrue(outbox.anyMatch(f -> f.getFileName().toString().endsWith("-later.json")),
                        "the delivery held in memory is written to the outbox again");
            }
            given().get("/api/v1/status").then().body("alerts.persistence.ok", equalTo(true));
            alerts.evaluate();
            alerts.deliver();
            assertTrue(bodies(receiver, "/hook").stream().anyMatch(b -> b.contains(unwritableKey) && b.contains("\"status\":\"resolved\"")),
                    "alert-state-unwritable resolves");
        }
    }

    /** Writes until the filesystem says it is full. */
    private static void fill(Path file) throws IOException {
        byte[] chunk = new byte[64 << 10];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full.toString());
        }
    }

    private static List<String> bodies(Receiver receiver, String path) {
        return receiver.requests().stream().filter(r -> r.getUrl().equals(path)).map(LoggedRequest::getBodyAsString).toList();
    }

    private VolumeReport await(Predicate<VolumeReport> until) {
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        while (System.nanoTime() < deadline) {
            VolumeReport r = monitor.report("data").orElse(null);
            if (r != null && until.test(r)) {
                return r;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return fail("no report of 'data' matched; last: " + monitor.report("data").orElse(null));
    }
}
