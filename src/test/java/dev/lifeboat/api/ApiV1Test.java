package dev.lifeboat.api;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.sqlite.ReplicaLayout;
import dev.lifeboat.store.Destinations;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The typed v1 endpoints against a real file destination holding real manifests and replica objects: shapes, paging,
 * problem bodies and every token case of the one guard ({@code http/ApiTokens}).
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiV1Test {
    static final String API_TOKEN = "api-token-for-v1-tests";
    static final String READ_TOKEN = "read-token-for-v1-tests";
    static final String PROBLEM = "application/problem+json";

    @Inject
    ActiveConfig active;

    @Inject
    Destinations destinations;

    Path dir;
    final List<Manifest> backups = new ArrayList<>();
    String generation;

    @BeforeAll
    void destinationWithBackupsAndAReplica() throws Exception {
        dir = Files.createTempDirectory("lifeboat-api-v1");
        install("");
        BackupCatalog catalog = new BackupCatalog(destinations.forDatabase("shop"));
        Instant t = Instant.parse("2026-11-01T03:00:00Z");
        for (int i = 0; i < 5; i++) {
            backups.add(publish(catalog, t.plusSeconds(3600L * i)));
        }
        ObjectStore replica = destinations.forDatabase("app");
        generation = "0123456789abcdef";
        replica.putBytes(ReplicaLayout.snapshotKey(generation, 0), "snapshot".getBytes(StandardCharsets.UTF_8));
        replica.putBytes(ReplicaLayout.segmentKey(generation, 0, 0), "wal-0".getBytes(StandardCharsets.UTF_8));
        replica.putBytes(ReplicaLayout.segmentKey(generation, 1, 0), "wal-1".getBytes(StandardCharsets.UTF_8));
        replica.putBytes(ReplicaLayout.segmentKey(generation, 1, 4096), "wal-1b".getBytes(StandardCharsets.UTF_8));
    }

    static Manifest publish(BackupCatalog catalog, Instant startedAt) throws Exception {
        String id = BackupCatalog.newId(startedAt);
        String key = BackupCatalog.dataKey(id, ".pgdump.zst");
        catalog.store().putBytes(key, ("dump " + id).getBytes(StandardCharsets.UTF_8));
        Manifest m = new Manifest(Manifest.FORMAT, id, "shop", "postgres", key, startedAt, startedAt.plusSeconds(5), 100, 20,
                "00", "zstd", null, "15.0", "15.0", Manifest.DUMP_FORMAT_CUSTOM, List.of(), Manifest.ROW_COUNTS_ESTIMATE);
        catalog.publish(m);
        return m;
    }

    @BeforeEach
    void openApi() {
        install("");
    }

    @AfterAll
    void defaults() {
        Path defaults = ConfigLoader.resolvePath(null);
        active.install(defaults, new ConfigLoader().load(defaults));
    }

    /** The test configuration with {@code http} settings ({@code api-token: ...} lines) appended. */
    void install(String http) {
        String yaml = "destinations:\n  local:\n    url: file://" + dir.resolve("dest") + "\n"
                + "databases:\n"
                + "  app: { type: sqlite, path: " + dir.resolve("data/app.db") + ", destination: local }\n"
                + "  shop: { type: postgres, url: 'postgres://backup:pw@127.0.0.1:1/shop', destination: local, schedule: '1d' }\n"
                + "volumes:\n  data: { path: " + dir.resolve("data") + " }\n  root: { path: " + dir + " }\n"
                + "alerts: { state-dir: " + dir.resolve("alerts") + " }\n"
                + (http.isEmpty() ? "" : "http:\n" + http);
        Path file = TestConfigs.write(dir, yaml);
        active.install(file, new ConfigLoader().load(file));
    }

    @Test
    void databasesAreTypedRecords() {
        given().get("/api/v1/databases").then().statusCode(200).contentType("application/json")
                .body("app.name", equalTo("app"))
                .body("app.type", equalTo("sqlite"))
                .body("app.destination", equalTo("local"))
                .body("app.syncInterval", equalTo("PT1S"))
                .body("app.volume", equalTo("data"))
                .body("shop.type", equalTo("postgres"))
                .body("shop.schedule", equalTo("1d"))
                .body("shop.volume", nullValue())
                .body("shop.status.url", equalTo("postgres://backup:***@127.0.0.1:1/shop"));
        given().get("/api/v1/databases/shop").then().statusCode(200)
                .body("name", equalTo("shop")).body("type", equalTo("postgres")).body("destination", equalTo("local"));
    }

    @Test
    void unknownDatabaseIsA404Problem() {
        for (String path : List.of("/api/v1/databases/nope", "/api/v1/databases/nope/backups", "/api/v1/databases/nope/generations",
                "/api/v1/databases/nope/drills")) {
            given().get(path).then().statusCode(404).contentType(PROBLEM)
                    .body("type", equalTo("/problems/no-such-database"))
                    .body("title", equalTo("No such database"))
                    .body("status", equalTo(404))
                    .body("detail", containsString("no database named 'nope'"));
        }
        given().get("/api/v1/databases/app/backups").then().statusCode(404).contentType(PROBLEM).body("detail", containsString("/generations"));
        given().get("/api/v1/databases/shop/generations").then().statusCode(404).contentType(PROBLEM).body("detail", containsString("/backups"));
    }

    @Test
    void backupsPageNewestFirstWithACursor() {
        Response first = given().queryParam("limit", 2).get("/api/v1/databases/shop/backups");
        first.then().statusCode(200).body("database", equalTo("shop")).body("backups", hasSize(2))
                .body("backups[0].id", equalTo(backups.get(4).id()))
                .body("backups[1].id", equalTo(backups.get(3).id()))
                .body("backups[0].storedBytes", equalTo(20));
        String cursor = first.path("nextCursor");
        assertNotNull(cursor);
        assertTrue(first.header("Link").contains("rel=\"next\"") && first.header("Link").contains("cursor=" + cursor), first.header("Link"));

        Response second = given().queryParam("limit", 2).queryParam("cursor", cursor).get("/api/v1/databases/shop/backups");
        second.then().statusCode(200).body("backups.id", equalTo(List.of(backups.get(2).id(), backups.get(1).id())));
        Response last = given().queryParam("limit", 2).queryParam("cursor", (String) second.path("nextCursor")).get("/api/v1/databases/shop/backups");
        last.then().statusCode(200).body("backups.id", equalTo(List.of(backups.get(0).id()))).body("nextCursor", nullValue());
        assertNull(last.header("Link"));
        given().get("/api/v1/databases/shop/backups").then().statusCode(200).body("backups", hasSize(5)).body("nextCursor", nullValue());
    }

    @Test
    void badLimitOrCursorIsA400Problem() {
        for (String limit : List.of("0", "-1", "abc", "201")) {
            given().queryParam("limit", limit).get("/api/v1/databases/shop/backups").then().statusCode(400).contentType(PROBLEM)
                    .body("type", equalTo("/problems/bad-parameter")).body("status", equalTo(400)).body("detail", containsString("limit"));
        }
        given().queryParam("cursor", "not-a-cursor!").get("/api/v1/databases/shop/backups").then().statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("cursor"));
        given().queryParam("limit", "0").get("/api/v1/databases/app/drills").then().statusCode(400).contentType(PROBLEM);
    }

    @Test
    void generationsComeFromTheDestination() {
        given().get("/api/v1/databases/app/generations").then().statusCode(200)
                .body("database", equalTo("app"))
                .body("generations", hasSize(1))
                .body("generations[0].name", equalTo(generation))
                .body("generations[0].snapshots", hasSize(1))
                .body("generations[0].snapshots[0].index", equalTo("00000000"))
                .body("generations[0].firstWalIndex", equalTo("00000000"))
                .body("generations[0].lastWalIndex", equalTo("00000001"))
                .body("generations[0].walSegments", equalTo(3))
                .body("generations[0].bytes", equalTo(8 + 5 + 5 + 6));
        String from = given().get("/api/v1/databases/app/generations").path("generations[0].restorableFrom");
        String to = given().get("/api/v1/databases/app/generations").path("generations[0].restorableTo");
        assertTrue(!Instant.parse(from).isAfter(Instant.parse(to)), from + " .. " + to);
    }

    @Test
    void volumesAndDestinationsAreTheStatusSections() {
        given().get("/api/v1/volumes").then().statusCode(200)
                .body("data.path", equalTo(dir.resolve("data").toString())).body("root.requireMount", equalTo(true));
        given().get("/api/v1/destinations").then().statusCode(200)
                .body("local.url", equalTo("file://" + dir.resolve("dest"))).body("local.credentials", equalTo("default AWS chain"));
    }

    @Test
    void readsNeedTheReadTokenOnceItIsSet() {
        install("  api-token: " + API_TOKEN + "\n  read-token: " + READ_TOKEN + "\n");
        for (String path : List.of("/api/v1/databases", "/api/v1/databases/shop", "/api/v1/databases/nope", "/api/v1/status",
                "/api/v1/alerts", "/api/v1/volumes", "/api/v1/no-such-endpoint")) {
            // Unknown database, unknown endpoint and a real one get the same answer: nothing is revealed.
            given().get(path).then().statusCode(401).contentType(PROBLEM).header("WWW-Authenticate", "Bearer")
                    .body("type", equalTo("/problems/unauthorized")).body("detail", containsString("http.read-token"));
            given().header("Authorization", "Bearer wrong-token-of-enough-length").get(path).then().statusCode(401);
        }
        given().header("Authorization", "Bearer " + READ_TOKEN).get("/api/v1/databases/shop").then().statusCode(200);
        given().header("Authorization", "Bearer " + API_TOKEN).get("/api/v1/databases/shop").then().statusCode(200);
        given().header("Authorization", "bearer " + READ_TOKEN).get("/api/v1/databases/nope").then().statusCode(404);
        // The read token never allows a change.
        given().header("Authorization", "Bearer " + READ_TOKEN).post("/api/v1/alerts/test").then().statusCode(401);
        // Health stays open for the platform's checks.
        assertTrue(given().get("/q/health/live").statusCode() == 200);
    }

    @Test
    void readsAreOpenWithoutAReadToken() {
        install("  api-token: " + API_TOKEN + "\n");
        given().get("/api/v1/databases/shop").then().statusCode(200);
        given().header("Authorization", "Bearer wrong").get("/api/v1/databases/shop").then().statusCode(200);
    }

    @Test
    void mutationsNeedTheApiTokenBeforeAnyLookup() {
        given().post("/api/v1/alerts/test").then().statusCode(403).contentType(PROBLEM).body("type", equalTo("/problems/disabled"));
        given().header("Authorization", "Bearer " + API_TOKEN).post("/api/v1/databases/nope/backups").then().statusCode(403);
        install("  api-token: " + API_TOKEN + "\n");
        for (String path : List.of("/api/v1/alerts/test", "/api/v1/databases/nope/backups", "/api/v1/databases/shop/backups")) {
            given().post(path).then().statusCode(401).contentType(PROBLEM).header("WWW-Authenticate", "Bearer")
                    .body("detail", containsString("http.api-token"));
            given().header("Authorization", "Bearer " + API_TOKEN + "x").post(path).then().statusCode(401);
            given().header("Authorization", API_TOKEN).post(path).then().statusCode(401);
        }
        // With the token the request reaches the endpoint: no sinks are configured here.
        given().header("Authorization", "Bearer " + API_TOKEN).post("/api/v1/alerts/test").then().statusCode(409).contentType(PROBLEM);
    }

    @Test
    void invalidConfigurationIsA503Problem() {
        // Installed unloaded: the next reader loads the broken file, as an agent whose file broke would.
        active.install(TestConfigs.write(dir, "databases:\n  x: { type: nosuch }\n"), null);
        try {
            given().get("/api/v1/databases").then().statusCode(503).contentType(PROBLEM)
                    .body("type", equalTo("/problems/config-invalid")).body("detail", containsString("/api/v1/status"));
            given().header("Authorization", "Bearer " + API_TOKEN).post("/api/v1/alerts/test").then().statusCode(503).contentType(PROBLEM);
        } finally {
            install("");
        }
    }
}
