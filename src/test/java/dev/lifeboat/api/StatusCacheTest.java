package dev.lifeboat.api;

import dev.lifeboat.alert.AlertService;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.store.Destinations;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /api/v1/status} and {@code /api/v1/databases} answer from one cached document ({@link StatusCache}) with an
 * ETag, and the cache never serves a stale verdict: a failing condition appearing, and the configuration changing, show
 * in the very next poll even under an hour-long {@code http.status-cache}; {@code 304} only while the body is the same;
 * with a short TTL a new document is assembled once it has passed.
 */
@QuarkusTest
class StatusCacheTest {
    @Inject
    ActiveConfig active;

    @Inject
    AlertService alerts;

    @Inject
    Destinations destinations;

    Path dir;
    Path replica;

    @BeforeEach
    void destination() throws Exception {
        dir = Files.createTempDirectory("lifeboat-status-cache");
        replica = Files.createDirectories(dir.resolve("replica"));
    }

    @AfterEach
    void defaults() {
        Path defaults = ConfigLoader.resolvePath(null);
        active.install(defaults, new ConfigLoader().load(defaults));
    }

    void install(String statusCache, String database) {
        Path file = TestConfigs.write(dir, "destinations:\n  vault: { url: 'file://" + replica + "' }\n"
                + "databases:\n  " + database + ": { type: sqlite, path: " + dir.resolve(database + ".db") + ", destination: vault }\n"
                + "http: { status-cache: " + statusCache + " }\n"
                + "alerts: { for: 0s, state-dir: " + dir.resolve("state") + " }\n");
        active.install(file, new ConfigLoader().load(file));
    }

    /** Polls until a conditional GET answers 304: background work (a scheduled destination check) may change the body meanwhile. */
    static String unchangedEtag(String path) throws InterruptedException {
        AtomicReference<String> etag = new AtomicReference<>();
        Await.until(path + " answering 304 to its own ETag", Duration.ofSeconds(30), () -> {
            String tag = given().get(path).then().statusCode(200).extract().header("ETag");
            assertNotNull(tag, path + " has an ETag");
            Response again = given().header("If-None-Match", tag).get(path);
            if (again.statusCode() != 304) {
                return false;
            }
            assertEquals(tag, again.header("ETag"), "a 304 names the tag it matched");
            assertEquals("", again.asString(), "a 304 has no body");
            etag.set(tag);
            return true;
        });
        return etag.get();
    }

    @Test
    void aFailingConditionShowsInTheNextPollWhateverTheTtl() throws Exception {
        install("1h", "app");
        destinations.checkAll();
        alerts.evaluate();
        String ok = unchangedEtag("/api/v1/status");
        given().header("If-None-Match", ok).get("/api/v1/status").then().statusCode(304).body(emptyString())
                .header("Cache-Control", "no-cache");
        String okDatabases = unchangedEtag("/api/v1/databases");

        Files.delete(replica); // the destination goes away: a critical condition
        destinations.checkAll();
        alerts.evaluate();
        Response failing = given().header("If-None-Match", ok).get("/api/v1/status");
        failing.then().statusCode(200).body("status", equalTo("failing"))
                .body("reasons.find { it.rule == 'destination-unreachable' }.subject", equalTo("vault"))
                .body("destinations.vault.reachable", equalTo(false));
        assertNotEquals(ok, failing.header("ETag"), "a changed document has a new ETag");
        given().get("/q/health/ready").then().statusCode(503);

        Files.createDirectories(replica);
        destinations.checkAll();
        alerts.evaluate();
        given().header("If-None-Match", failing.header("ETag")).get("/api/v1/status").then().statusCode(200)
                .body("status", equalTo("ok")).body("destinations.vault.reachable", equalTo(true));
        // /databases holds neither the verdict nor the destinations: an equal body keeps its tag across assemblies.
        assertEquals(okDatabases, unchangedEtag("/api/v1/databases"));
    }

    @Test
    void aNewConfigurationShowsInTheNextPoll() throws Exception {
        install("1h", "app");
        String first = unchangedEtag("/api/v1/databases");
        given().get("/api/v1/databases/app").then().statusCode(200).body("name", equalTo("app"));
        install("1h", "ledger");
        given().header("If-None-Match", first).get("/api/v1/databases").then().statusCode(200)
                .body("ledger.name", equalTo("ledger")).body("app", equalTo(null));
        given().get("/api/v1/databases/ledger").then().statusCode(200).body("name", equalTo("ledger"));
        given().get("/api/v1/databases/app").then().statusCode(404);
        given().get("/api/v1/status").then().statusCode(200).body("databases.ledger.type", equalTo("sqlite"));
    }

    @Test
    void aShortTtlAssemblesANewDocumentOnceItHasPassed() throws Exception {
        install("1s", "app");
        String now = given().get("/api/v1/status").then().statusCode(200).extract().path("now");
        Await.until("a document assembled after the 1 s TTL", Duration.ofSeconds(20),
                () -> !now.equals(given().get("/api/v1/status").then().statusCode(200).extract().path("now")));
        install("0s", "app");
        String a = given().get("/api/v1/status").then().statusCode(200).extract().path("now");
        String b = given().get("/api/v1/status").then().statusCode(200).extract().path("now");
        assertNotEquals(a, b, "with status-cache: 0s every request assembles its own document");
    }

    @Test
    void ifNoneMatchFollowsRfc9110() {
        String tag = "\"0123abcd\"";
        assertTrue(StatusCache.matches(tag, tag));
        assertTrue(StatusCache.matches("W/" + tag, tag), "If-None-Match compares weakly");
        assertTrue(StatusCache.matches("\"other\", " + tag, tag));
        assertTrue(StatusCache.matches("*", tag));
        assertFalse(StatusCache.matches("\"other\"", tag));
        assertFalse(StatusCache.matches(null, tag));
        assertFalse(StatusCache.matches("0123abcd", tag), "an unquoted tag is not the tag");
    }
}
