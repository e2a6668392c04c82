package dev.lifeboat.jobs;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.postgres.PgBackupScheduler;
import dev.lifeboat.sqlite.ReplicationService;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.stream.lz4.Lz4Frames;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.TestConfigs;
import dev.lifeboat.volume.VolumeMonitor;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On-demand jobs over HTTP against real PostgreSQL (through a fault proxy that holds or slows pg_dump's stream),
 * S3Proxy, SQLite replication and a volume: 202 + Location, progress, joining a running job, failures with their
 * reason, and every token case.
 */
@QuarkusTest
@QuarkusTestResource(value = JobsEnvironment.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobsApiTest {
    private static final String BEARER = "Bearer " + JobsEnvironment.TOKEN;

    @Inject
    ActiveConfig active;

    @Inject
    ReplicationService replication;

    @Inject
    VolumeMonitor volumes;

    @Inject
    PgBackupScheduler scheduler;

    private static JsonPath job(String id) {
        return given().get("/api/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    private static JsonPath awaitEnd(String id) throws InterruptedException {
        Await.until("job " + id + " ends", Duration.ofMinutes(2), () -> List.of("succeeded", "failed").contains(job(id).getString("state")));
        return job(id);
    }

    @Test
    @Order(1)
    void everyTokenCase() {
        given().post("/api/v1/databases/shop/backups").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer");
        given().header("Authorization", "Bearer wrong").post("/api/v1/databases/shop/backups").then().statusCode(401);
        given().header("Authorization", "Bearer wrong").post("/api/v1/volumes/checks").then().statusCode(401);
        // A wrong token never tells whether a database exists.
        given().header("Authorization", "Bearer wrong").post("/api/v1/databases/nope/drills").then().statusCode(401);
        given().header("Authorization", BEARER).post("/api/v1/databases/nope/backups").then().statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("/problems/no-such-database")).body("title", notNullValue()).body("status", equalTo(404))
                .body("detail", containsString("no database named 'nope'"));
        given().get("/api/v1/jobs/no-such-job").then().statusCode(404).contentType("application/problem+json");

        Path noToken = TestConfigs.write(JobsEnvironment.dir.resolve("no-token"), JobsEnvironment.yaml.replaceAll("(?s)http:.*", ""));
        active.install(noToken, new ConfigLoader().load(noToken));
        try {
            given().header("Authorization", BEARER).post("/api/v1/databases/shop/backups").then().statusCode(403)
                    .contentType("application/problem+json").body("detail", containsString("http.api-token is not set"));
        } finally {
            active.install(JobsEnvironment.configFile, new ConfigLoader().load(JobsEnvironment.configFile));
        }
        given().get("/api/v1/jobs").then().statusCode(200).body("jobs.size()", equalTo(0));
    }

    @Test
    @Order(2)
    void aBackupJobShowsProgressAndASecondRequestJoinsIt() throws Exception {
        // pg_dump cannot even connect while the proxy holds everything: the job is running, nothing moved yet.
        JobsEnvironment.pgProxy.blackhole();
        try {
            backupWhileHeldThenSlowed();
        } finally {
            JobsEnvironment.pgProxy.pass();
        }
    }

    private void backupWhileHeldThenSlowed() throws Exception {
        Response first = given().header("Authorization", BEARER).post("/api/v1/databases/shop/backups");
        first.then().statusCode(202).header("Location", containsString("/api/v1/jobs/"))
                .body("kind", equalTo("backup")).body("database", equalTo("shop")).body("trigger", equalTo("api"));
        String id = first.jsonPath().getString("id");
        assertTrue(first.header("Location").endsWith("/api/v1/jobs/" + id), first.header("Location"));
        Response second = given().header("Authorization", BEARER).post("/api/v1/databases/shop/backups");
        second.then().statusCode(200).body("id", equalTo(id)).body("state", equalTo("running"));
        assertTrue(second.header("Location").endsWith("/api/v1/jobs/" + id), second.header("Location"));

        // Slowed, the dump moves: bytes grow while it runs, and the job ends with the manifest in the bucket.
        JobsEnvironment.pgProxy.latency(Duration.ofMillis(10));
        long[] seen = {0};
        Await.until("bytes dumped while running", Duration.ofMinutes(1), () -> {
            JsonPath j = job(id);
            seen[0] = j.getLong("progress.bytes");
            return seen[0] > 0 && j.getString("state").equals("running") && j.getString("progress.phase").equals("dumping");
        });
        JobsEnvironment.pgProxy.pass();
        JsonPath done = awaitEnd(id);
        assertEquals("succeeded", done.getString("state"), done.prettify());
        assertTrue(done.getLong("progress.bytes") > seen[0], "bytes grew past " + seen[0] + ": " + done.prettify());
        assertTrue(done.getLong("progress.bytes") > 6_000_000, done.prettify());
        assertEquals("done", done.getString("progress.phase"));
        try (ObjectStore store = ObjectStores.openUnder(active.get().destinations().get("main"), "shop/")) {
            List<Manifest> manifests = new BackupCatalog(store).list();
            assertEquals(1, manifests.size(), "one backup, one pg_dump: " + manifests);
            assertEquals(manifests.get(0).id(), done.getString("result.backupId"));
            assertEquals(BackupCatalog.manifestKey(manifests.get(0).id()), done.getString("result.manifestKey"));
            assertTrue(store.stat(done.getString("result.manifestKey")).isPresent());
        }
        assertNotEquals(null, done.getString("startedAt"));
        assertNotEquals(null, done.getString("finishedAt"));

        // Once it ended, the next request starts a new backup.
        Response third = given().header("Authorization", BEARER).post("/api/v1/databases/shop/backups");
        third.then().statusCode(202).body("id", not(equalTo(id)));
        assertEquals("succeeded", awaitEnd(third.jsonPath().getString("id")).getString("state"));
    }

    @Test
    @Order(3)
    void aFailingPgDumpEndsTheJobFailedWithItsReason() throws Exception {
        String id = given().header("Authorization", BEARER).post("/api/v1/databases/rls/backups").then().statusCode(202)
                .extract().jsonPath().getString("id");
        JsonPath done = awaitEnd(id);
        assertEquals("failed", done.getString("state"), done.prettify());
        assertTrue(done.getString("error").contains("pg_dump exited with code 1"), done.getString("error"));
        assertTrue(done.getString("error").contains("row-level security"), done.getString("error"));
        assertFalse(done.prettify().contains(JobsEnvironment.PASSWORD), "the job leaks the password: " + done.prettify());
        assertNull(done.get("result"));
    }

    @Test
    @Order(4)
    void aSqliteBackupJobTakesANewSnapshot() throws Exception {
        replication.start(active.get());
        Path replica = JobsEnvironment.dir.resolve("replica/notes");
        Await.until("the first snapshot", Duration.ofSeconds(30), () -> snapshots(replica).size() == 1);
        Path snapshot = snapshots(replica).get(0);
        assertEquals(3, rows(Files.readAllBytes(snapshot)));
        ExternalProcess.run(List.of("sqlite3", JobsEnvironment.dir.resolve("notes.db").toString(), "INSERT INTO notes (body) VALUES ('d');"),
                Duration.ofSeconds(30));

        Response r = given().header("Authorization", BEARER).post("/api/v1/databases/notes/backups");
        r.then().statusCode(202).body("kind", equalTo("snapshot"));
        JsonPath done = awaitEnd(r.jsonPath().getString("id"));
        assertEquals("succeeded", done.getString("state"), done.prettify());
        Path taken = replica.resolve(done.getString("result.snapshotKey"));
        assertTrue(Files.exists(taken), taken.toString());
        assertEquals(4, rows(Files.readAllBytes(taken)), "the snapshot holds the row written just before the job");
    }

    @Test
    @Order(5)
    void drillAndVolumeCheckJobsEndWithTheirResults() throws Exception {
        Response drill = given().header("Authorization", BEARER).post("/api/v1/databases/notes/drills");
        drill.then().statusCode(202).body("kind", equalTo("drill"));
        JsonPath d = awaitEnd(drill.jsonPath().getString("id"));
        assertEquals("succeeded", d.getString("state"), d.prettify());
        assertEquals("passed", d.getString("result.outcome"));
        assertNotNull(d.get("result.rtoMillis"));
        given().get("/api/v1/databases/notes/drills").then().statusCode(200).body("drills[0].id", equalTo(d.getString("result.drillId")));

        volumes.start(active.get());
        Response check = given().header("Authorization", BEARER).post("/api/v1/volumes/checks");
        check.then().statusCode(202).body("kind", equalTo("volume-check"));
        JsonPath v = awaitEnd(check.jsonPath().getString("id"));
        assertEquals("succeeded", v.getString("state"), v.prettify());
        assertEquals(1, v.getInt("result.volumes"));
        assertEquals("data", v.getString("result.reports[0].volume"));
        assertNotNull(v.getList("result.reports[0].failing"), v.prettify());

        JsonPath all = given().get("/api/v1/jobs").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("volume-check", "drill", "snapshot", "backup", "backup", "backup"), all.getList("jobs.kind"));
    }

    @Test
    @Order(6)
    void aRequestWhileAScheduledBackupRunsJoinsIt() throws Exception {
        // The schedules start; shop's newest backup is recent and rls runs once a year: nothing is due yet.
        scheduler.start(active.get());
        JobsEnvironment.pgProxy.blackhole();
        try {
            assertTrue(scheduler.backupOutOfSchedule("shop", "the test asks for a scheduled run"));
            Response r = given().header("Authorization", BEARER).post("/api/v1/databases/shop/backups");
            r.then().statusCode(200).body("trigger", equalTo("schedule")).body("state", equalTo("running"))
                    .body("kind", equalTo("backup"));
            String id = r.jsonPath().getString("id");
            given().header("Authorization", BEARER).post("/api/v1/databases/shop/backups").then().statusCode(200).body("id", equalTo(id));
            JobsEnvironment.pgProxy.pass();
            JsonPath done = awaitEnd(id);
            assertEquals("succeeded", done.getString("state"), done.prettify());
            try (ObjectStore store = ObjectStores.openUnder(active.get().destinations().get("main"), "shop/")) {
                assertEquals(3, new BackupCatalog(store).list().size(), "the two backups of the API, then the scheduled one");
            }
        } finally {
            JobsEnvironment.pgProxy.pass();
        }
    }

    private static List<Path> snapshots(Path replica) {
        try (var files = Files.walk(replica)) {
            return files.filter(p -> p.toString().endsWith(".snapshot.lz4")).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** Rows of table notes in an LZ4-framed SQLite snapshot. */
    private static int rows(byte[] lz4) throws Exception {
        Path db = Files.createTempFile(JobsEnvironment.dir, "snapshot", ".db");
        try (InputStream in = Lz4Frames.decompress(new ByteArrayInputStream(lz4))) {
            Files.write(db, in.readAllBytes());
        }
        return Integer.parseInt(ExternalProcess.run(List.of("sqlite3", db.toString(), "select count(*) from notes"), Duration.ofSeconds(30)).trim());
    }
}
