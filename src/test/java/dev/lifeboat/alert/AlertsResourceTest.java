package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The alert API and status section in the running application, with a real receiver. */
@QuarkusTest
class AlertsResourceTest {
    static final String TOKEN = "api-t0ken-for-tests";
    static final String SLACK_PATH = "/services/T000/B000/SLACKSECRETTOKEN";

    @Inject
    ActiveConfig active;

    @Inject
    AlertService service;

    Receiver receiver;
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        receiver = new Receiver();
        receiver.server.stubFor(post(SLACK_PATH).willReturn(aResponse().withStatus(200).withBody("ok")));
        dir = Files.createTempDirectory("lifeboat-alerts-api");
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        // leave the application on the default configuration for other tests
        Path defaults = ConfigLoader.resolvePath(null);
        active.install(defaults, new ConfigLoader().load(defaults));
    }

    private void install(boolean withToken) {
        String yaml = """
                alerts:
                  state-dir: %s
                  sinks:
                    team-chat: {type: slack, url: "%s"}
                """.formatted(dir.resolve("state"), receiver.url(SLACK_PATH)) + (withToken ? "http:\n  api-token: " + TOKEN + "\n" : "");
        Path file = TestConfigs.write(dir, yaml);
        active.install(file, new ConfigLoader().load(file));
    }

    @Test
    void testEndpointNeedsTheToken() {
        install(false);
        given().post("/api/v1/alerts/test").then().statusCode(403).contentType("application/problem+json").body("detail", containsString("http.api-token is not set"));
        install(true);
        given().post("/api/v1/alerts/test").then().statusCode(401).header("WWW-Authenticate", "Bearer");
        given().header("Authorization", "Bearer wrong").post("/api/v1/alerts/test").then().statusCode(401);
        given().header("Authorization", "Bearer " + TOKEN).queryParam("sink", "nope").post("/api/v1/alerts/test")
                .then().statusCode(404).body("detail", containsString("no alert sink named 'nope'"));
        receiver.server.verify(0, postRequestedFor(urlEqualTo(SLACK_PATH)));
    }

    @Test
    void testNotificationIsDeliveredAndAlertsAreListed() {
        install(true);
        given().header("Authorization", "Bearer " + TOKEN).post("/api/v1/alerts/test")
                .then().statusCode(200)
                .body("delivered", equalTo(true))
                .body("results", hasSize(1))
                .body("results[0].sink", equalTo("team-chat"))
                .body("results[0].status", equalTo("delivered"));
        receiver.server.verify(1, postRequestedFor(urlEqualTo(SLACK_PATH)));
        String body = receiver.requests().getFirst().getBodyAsString();
        assertFalse(body.isEmpty());

        String listing = given().get("/api/v1/alerts").then().statusCode(200)
                .body("sinks.team-chat.type", equalTo("slack"))
                .body("sinks.team-chat.target", equalTo("http://127.0.0.1:" + receiver.server.port() + "/***"))
                .body("outbox.pending", equalTo(0))
                .body("firing", hasSize(0))
                .extract().asString();
        assertFalse(listing.contains("SLACKSECRETTOKEN"), listing);

        given().get("/api/v1/status").then().statusCode(200)
                .body("alerts.sinks", equalTo(1))
                .body(not(containsString("SLACKSECRETTOKEN")));
    }

    @Test
    void failedDeliveryIsVisible() throws Exception {
        receiver.server.stubFor(post(SLACK_PATH).willReturn(aResponse().withStatus(400).withBody("invalid_payload")));
        install(true);
        given().header("Authorization", "Bearer " + TOKEN).post("/api/v1/alerts/test")
                .then().statusCode(502).body("results[0].status", equalTo("failed"))
                .body("results[0].error", containsString("permanent failure: HTTP 400"));
        given().get("/api/v1/alerts").then().statusCode(200)
                .body("outbox.failed", equalTo(1))
                .body("outbox.failedDeliveries[0].sink", equalTo("team-chat"))
                .body(not(containsString("SLACKSECRETTOKEN")));
        String metrics = given().get("/q/metrics").then().statusCode(200)
                .body(containsString("lifeboat_alert_outbox{state=\"failed\"} 1.0"))
                .body(containsString("lifeboat_alert_deliveries_total{outcome=\"failed\",sink=\"team-chat\"}"))
                .extract().asString();
        // promtool (Debian package prometheus) checks the exposition format; its "no help text" lint on *_total
        // counters (HELP names the counter without _total, as the format wants) is no error.
        Path file = dir.resolve("metrics.txt");
        Files.writeString(file, metrics);
        String promtool = ExternalProcess.run(List.of("sh", "-c", "promtool check metrics < " + file
                + " 2>&1 | grep -i -E 'lifeboat_alert|error' | grep -v 'no help text' || true"), Duration.ofSeconds(30));
        assertEquals("", promtool.trim(), "promtool on the alert metrics");
    }
}
