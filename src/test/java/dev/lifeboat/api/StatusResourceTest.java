package dev.lifeboat.api;

import dev.lifeboat.store.Destinations;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.LifeboatTestEnvironment;
import dev.lifeboat.testing.S3ProxyServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = LifeboatTestEnvironment.class, restrictToAnnotatedClass = true)
class StatusResourceTest {
    @Inject
    Destinations destinations;

    @Inject
    dev.lifeboat.alert.AlertService alerts;

    @Test
    void statusListsWhatIsConfiguredWithSecretsRedacted() {
        destinations.checkAll();
        String body = given().when().get("/api/v1/status").then()
                .statusCode(200)
                .contentType("application/json")
                .body("apiVersion", equalTo("v1"))
                .body("config.valid", equalTo(true))
                .body("databases.app.type", equalTo("sqlite"))
                .body("databases.shop.type", equalTo("postgres"))
                .body("databases.shop.url", equalTo("postgres://backup:***@127.0.0.1:1/shop"))
                .body("destinations.main.reachable", equalTo(true))
                .body("destinations.main.endpoint", equalTo(LifeboatTestEnvironment.s3().endpoint()))
                .body("destinations.local.reachable", equalTo(true))
                .body("volumes.data.requireMount", equalTo(true))
                .extract().asString();
        for (String secret : List.of(LifeboatTestEnvironment.DB_PASSWORD, S3ProxyServer.SECRET_KEY, S3ProxyServer.ACCESS_KEY, "test-token-never-shown")) {
            assertFalse(body.contains(secret), "status leaks a secret: " + body);
        }
    }

    @Test
    void livenessIsUp() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void readinessFollowsTheDestinationsAndNamesTheUnreachableOne() {
        S3ProxyServer s3 = LifeboatTestEnvironment.s3();
        destinations.checkAll();
        alerts.evaluate(); // readiness follows the verdict, which follows the alerts' evaluation
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));

        s3.stop();
        try {
            destinations.checkAll();
            alerts.evaluate(); // readiness follows the verdict, which follows the alerts' evaluation
            given().when().get("/q/health/ready").then().statusCode(503)
                    .body("status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'lifeboat' }.data.'destination.main'", containsString(s3.endpoint()))
                    .body(not(containsString(S3ProxyServer.SECRET_KEY)));
            given().when().get("/api/v1/status").then().statusCode(200).body("destinations.main.reachable", equalTo(false))
                    .body("status", equalTo("failing"))
                    .body("reasons.find { it.rule == 'destination-unreachable' }.subject", equalTo("main"));
        } finally {
            // The same server comes back on the same port: the agent recovers without a restart.
            LifeboatTestEnvironmentRestart.restart(s3);
        }
        destinations.checkAll();
        alerts.evaluate(); // readiness follows the verdict, which follows the alerts' evaluation
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsAreValidPrometheusText() throws Exception {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM metrics present");
        Path file = Files.createTempFile("metrics", ".txt");
        Files.writeString(file, metrics);
        // promtool (Debian package prometheus) is the reference checker of the exposition format. Its lint lines about
        // counters (HELP names the counter without _total, as the format wants) are no error, and would read as one
        // for a counter named ..._errors_total.
        String out = ExternalProcess.run(List.of("sh", "-c", "promtool check metrics < " + file + " 2>&1 | grep -v -e 'counter metrics should have' -e 'no help text' || true"), Duration.ofSeconds(30));
        assertFalse(out.toLowerCase().contains("error"), "promtool: " + out);
        RestAssured.reset();
    }
}
