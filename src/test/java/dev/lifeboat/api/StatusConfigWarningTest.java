package dev.lifeboat.api;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/** Status' config section says when a valid configuration protects no database, and only then. */
@QuarkusTest
class StatusConfigWarningTest {
    @Inject
    ActiveConfig active;

    @AfterEach
    void restoreTheDefaultConfiguration() {
        Path defaults = ConfigLoader.resolvePath(null);
        active.install(defaults, new ConfigLoader().load(defaults));
    }

    @Test
    void aConfigurationWithoutDatabasesIsValidWithAWarning() throws Exception {
        Path file = TestConfigs.write(Files.createTempDirectory("lifeboat-status-warn"),
                "destinations:\n  local: { url: 'file:///tmp/lifeboat-status-warn' }\n");
        active.install(file, new ConfigLoader().load(file));
        given().get("/api/v1/status").then().statusCode(200)
                .body("config.valid", equalTo(true))
                .body("config.warnings", contains(LifeboatConfig.NO_DATABASES));
    }

    @Test
    void aConfigurationWithDatabasesHasNoWarnings() {
        given().get("/api/v1/status").then().statusCode(200)
                .body("config.valid", equalTo(true))
                .body("config.warnings", nullValue());
    }
}
