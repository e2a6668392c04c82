package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.store.Destinations;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CDI condition sources wired to the real destination checks: a destination that vanishes alerts, and resolves when back. */
@QuarkusTest
class AlertSourcesTest {
    @Inject
    ActiveConfig active;

    @Inject
    Destinations destinations;

    @Inject
    AlertService service;

    @AfterEach
    void restoreDefaults() {
        Path defaults = ConfigLoader.resolvePath(null);
        active.install(defaults, new ConfigLoader().load(defaults));
    }

    @Test
    void destinationUnreachableFiresOnceAndResolves() throws Exception {
        try (Receiver receiver = new Receiver()) {
            receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
            Path dir = Files.createTempDirectory("lifeboat-alert-sources");
            Path replica = Files.createDirectories(dir.resolve("replica"));
            Path file = TestConfigs.write(dir, """
                    destinations:
                      alertdest: {url: "file://%s"}
                    alerts:
                      for: 0s
                      state-dir: %s
                      sinks:
                        hook: {type: webhook, url: "%s", rules: [destination-unreachable]}
                    """.formatted(replica, dir.resolve("state"), receiver.url("/hook")));
            active.install(file, new ConfigLoader().load(file));

            destinations.checkAll();
            service.evaluate();
            service.deliver();
            assertEquals(0, receiver.requests().size(), "a reachable destination alerts nothing");

            Files.delete(replica); // the directory (a mounted bucket, a volume) goes away
            destinations.checkAll();
            assertTrue(service.evaluate().stream().anyMatch(e -> e.kind() == AlertLifecycle.Event.Kind.FIRING));
            service.evaluate(); // still down: no second notification
            service.deliver();
            assertEquals(1, receiver.requests().size());
            String firing = receiver.requests().getFirst().getBodyAsString();
            assertTrue(firing.contains("\"key\":\"destination-unreachable/alertdest\""), firing);
            given().get("/api/v1/alerts").then().statusCode(200)
                    .body("firing", hasSize(1))
                    .body("firing[0].rule", equalTo("destination-unreachable"))
                    .body("firing[0].subject", equalTo("alertdest"));
            given().get("/api/v1/status").then().statusCode(200).body("alerts.firing[0].key", equalTo("destination-unreachable/alertdest"));

            Files.createDirectories(replica);
            destinations.checkAll();
            service.evaluate();
            service.evaluate();
            service.deliver();
            assertEquals(2, receiver.requests().size());
            assertTrue(receiver.requests().getLast().getBodyAsString().contains("\"status\":\"resolved\""));
            given().get("/api/v1/alerts").then().body("firing", hasSize(0)).body("resolved", hasSize(1));
            assertEquals(List.of(), service.runtime().outbox.pending());
        }
    }
}
