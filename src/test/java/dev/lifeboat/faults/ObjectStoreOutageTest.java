package dev.lifeboat.faults;

import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.AuditService;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgBackupScheduler;
import dev.lifeboat.postgres.PgBackupService;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.RunMode;
import dev.lifeboat.sqlite.SqliteRestoreService;
import dev.lifeboat.sqlite.SqliteRestorer;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.lifeboat.faults.OutageEnvironment.BUCKET;
import static dev.lifeboat.faults.OutageEnvironment.postgres;
import static dev.lifeboat.faults.OutageEnvironment.proxy;
import static dev.lifeboat.faults.OutageEnvironment.receiver;
import static dev.lifeboat.faults.OutageEnvironment.s3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The object store goes away while the agent works, with real parts only: the agent runs in this process on the
 * configuration of {@link OutageEnvironment}, its only way to S3Proxy is a {@link dev.lifeboat.testing.FaultProxy},
 * a SQLite writer commits all along and pg_dump streams a 20 MB database.
 *
 * <p>The first test keeps the full 60-second outage (black hole, then connection resets), starting while
 * the backup's second multipart part is on its way; the second throttles a third of all requests with 503 SlowDown
 * for a short while (10 s instead of a minute: the one full-length outage is enough for CI). Waits are bounded only
 * so that a broken build fails instead of hanging; nothing asserts a speed.
 */
@QuarkusTest
@QuarkusTestResource(value = OutageEnvironment.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObjectStoreOutageTest {
    /** The outage: 40 s of black hole (detected only by timeouts), then 20 s of reset connections. */
    static final Duration BLACK_HOLE = Duration.ofSeconds(40);
    static final Duration OUTAGE = Duration.ofSeconds(60);
    static final Duration THROTTLING = Duration.ofSeconds(10);
    /** Bound of every wait for the agent to do something, so that a broken build fails instead of hanging. */
    static final Duration GIVE_UP = Duration.ofSeconds(120);
    static final String UNREACHABLE = "\"key\":\"destination-unreachable/s3\"";

    static boolean agentStarted;

    @Inject
    ActiveConfig active;

    @Inject
    Event<AgentStarted> started;

    @Inject
    PgBackupService backups;

    @Inject
    PgBackupScheduler scheduler;

    @Inject
    AuditService audits;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    @Order(1)
    void aMinuteLongOutageLosesNoCommitRetriesTheBackupAndAlertsOnce() throws Exception {
        try (SqliteWriter writer = SqliteWriter.start(OutageEnvironment.sqlite)) {
            Await.until("the app's first commits", GIVE_UP, () -> writer.committed() > 20);
            // The outage begins when pg_dump's upload sends its second part: the backup is then in flight for sure.
            proxy.blackholeAt("partNumber=2&");
            startAgent();
            Await.until("the replica's first sync", GIVE_UP, () -> status().getString("databases.app.replication.generation") != null);
            String generation = status().getString("databases.app.replication.generation");
            Await.until("the backup's second part entering the black hole", GIVE_UP, proxy::blackholeTriggered);
            Instant outageStart = Instant.now();
            long committedBefore = writer.committed();
            assertFalse(s3.uploadsInProgress(BUCKET).isEmpty(), "the backup's multipart upload is open when the outage begins");

            // A black hole answers nothing: only the configured timeouts can tell, while status keeps answering.
            Await.until("replication and the backup reporting the outage while the black hole lasts",
                    Duration.between(Instant.now(), outageStart.plus(BLACK_HOLE)), () -> {
                        JsonPath st = status();
                        return String.valueOf(st.getString("databases.app.replication.lastError")).contains("timed out")
                                && st.getInt("databases.shop.backup.consecutiveFailures") >= 1;
                    });
            JsonPath during = status();
            assertTrue(during.getString("databases.shop.backup.lastFailure").contains("timed out"), during.prettify());
            assertEquals(null, during.getString("databases.shop.backup.lastSuccessAt"), "nothing was published");
            try (ObjectStore bucket = direct()) {
                assertEquals(List.of(), bucket.list("shop/" + BackupCatalog.MANIFESTS), "no manifest for the failed backup");
            }
            sleepUntil(outageStart.plus(BLACK_HOLE));
            proxy.reset();
            sleepUntil(outageStart.plus(OUTAGE));
            int failedInOutage = status().getInt("databases.shop.backup.consecutiveFailures");
            assertTrue(writer.committed() > committedBefore, "the app kept committing through the outage");
            proxy.pass();

            // Retried with backoff, not at the next slot an hour away; a few tries in a minute, not a storm.
            assertTrue(failedInOutage >= 2, "the failed backup was retried during the outage: " + failedInOutage + " failure(s)");
            assertTrue(failedInOutage <= 20, "retries back off (2s doubling to 8s, with jitter): " + failedInOutage + " in 60 s");
            Await.until("the retried backup succeeding after the outage", GIVE_UP,
                    () -> status().getString("databases.shop.backup.lastSuccessAt") != null);
            assertEquals(List.of(), s3.uploadsInProgress(BUCKET), "the failed backup's multipart upload was aborted");
            Manifest backup = onlyBackup();
            assertBackupRestoresExactly(backup, "shop_after_outage");

            writer.stop();
            assertReplicaHoldsExactly(writer);
            assertEquals(generation, status().getString("databases.app.replication.generation"),
                    "replication resumed its generation without a restart or a new snapshot");
            assertAuditClean("app");
            assertAuditClean("shop");

            Await.until("destination-unreachable resolving", GIVE_UP, () -> notifications("resolved") >= 1);
            assertEquals(1, notifications("firing"), "destination-unreachable fired once: " + bodies());
            assertEquals(1, notifications("resolved"), "destination-unreachable resolved once: " + bodies());
            assertTrue(status().getString("status") != null, "the agent answers after the outage");
        }
    }

    @Test
    @Order(2)
    void throttlingSlowsShippingButLosesNothing() throws Exception {
        startAgent();
        Await.until("a first backup", GIVE_UP, () -> status().getString("databases.shop.backup.lastSuccessAt") != null);
        String before = status().getString("databases.shop.backup.lastBackupId");
        long firingBefore = notifications("firing");
        try (SqliteWriter writer = SqliteWriter.start(OutageEnvironment.sqlite)) {
            Await.until("the app's first commits", GIVE_UP, () -> writer.committed() > 20);
            long refusedBefore = proxy.requestsFailed();
            Instant throttled = Instant.now();
            proxy.httpErrors(503, 1.0 / 3);
            assertTrue(scheduler.backupOutOfSchedule("shop", "test: a backup under throttling"));
            Await.until("the backup under throttling", GIVE_UP,
                    () -> !before.equals(status().getString("databases.shop.backup.lastBackupId")));
            sleepUntil(throttled.plus(THROTTLING));
            long refused = proxy.requestsFailed() - refusedBefore;
            long committedThrottled = writer.committed();
            proxy.pass();
            assertTrue(refused > 0, "the proxy throttled requests");
            assertTrue(writer.committed() > 20 && committedThrottled > 20, "the app committed while throttled");
            assertEquals(List.of(), s3.uploadsInProgress(BUCKET));
            Manifest newest = backups.catalog("shop").latest().orElseThrow();
            assertNotEquals(before, newest.id());
            assertBackupRestoresExactly(newest, "shop_after_throttling");

            writer.stop();
            assertReplicaHoldsExactly(writer);
            assertAuditClean("app");
        }
        assertEquals(firingBefore, notifications("firing"), "throttling is not an unreachable destination: " + bodies());
    }

    private synchronized void startAgent() throws IOException {
        if (agentStarted) {
            return;
        }
        LifeboatConfig config = TestConfigs.parse(OutageEnvironment.yaml);
        active.install(OutageEnvironment.configFile, config);
        started.fire(new AgentStarted(config, RunMode.AGENT));
        agentStarted = true;
    }

    /** {@code /api/v1/status}; a status that does not answer within 10 s fails the test (a hung thread behind it). */
    private JsonPath status() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/v1/status"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return new JsonPath(r.body());
        } catch (IOException e) {
            throw new AssertionError("status did not answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The bucket as S3Proxy holds it, not through the fault proxy. */
    private static ObjectStore direct() throws IOException {
        LifeboatConfig config = TestConfigs.parse(OutageEnvironment.yaml.replace(proxy.endpoint(), s3.endpoint()));
        return ObjectStores.open(config.destinations().get("s3"));
    }

    /**
     * The one backup in the bucket; every object of the database belongs to it (the failed one left no data). Schedule
     * slot claims ({@code slots/}) are not backup data: a claim the failed backup could not give back during the
     * outage stays until it ages out.
     */
    private static Manifest onlyBackup() throws IOException {
        try (ObjectStore store = direct()) {
            BackupCatalog catalog = new BackupCatalog(new PrefixedStore(store, "shop/"));
            List<Manifest> all = catalog.list();
            assertEquals(1, all.size(), "one backup: " + all);
            Manifest m = all.getFirst();
            for (ObjectInfo o : store.list("shop/")) {
                assertTrue(o.key().contains(m.id()) || o.key().startsWith("shop/drills/") || o.key().startsWith("shop/slots/"), "an object of another backup: " + o.key());
            }
            return m;
        }
    }

    private void assertBackupRestoresExactly(Manifest backup, String copy) throws Exception {
        backups.restore("shop", backup, postgres.url(copy), false, false, List.of());
        assertEquals(digest("shop"), digest(copy), "the restored copy holds exactly the source's rows");
    }

    private static String digest(String database) throws SQLException {
        try (Connection c = postgres.connect(database); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) || ':' || md5(string_agg(id || '=' || payload, ',' ORDER BY id)) FROM items")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Waits until a restore of the replica holds every committed row, then compares all rows with the live file. */
    private void assertReplicaHoldsExactly(SqliteWriter writer) throws Exception {
        Path restored = OutageEnvironment.dir.resolve("restored-" + System.nanoTime() + ".db");
        LifeboatConfig config = active.get();
        Await.until("the replica catching up with " + writer.committed() + " commits", GIVE_UP, () -> {
            try (ObjectStore store = SqliteRestoreService.storeFor(config, "app")) {
                Files.deleteIfExists(restored);
                new SqliteRestorer(store).restore(new SqliteRestorer.Options(restored, null, null, null));
                return SqliteWriter.rows(restored).size() == writer.committed();
            } catch (IOException | SQLException e) {
                return false;
            }
        });
        assertEquals(SqliteWriter.rows(OutageEnvironment.sqlite), SqliteWriter.rows(restored), "every committed row, exactly");
    }

    /** What {@code lifeboat verify --deep} checks: every object a restore of the newest point reads, downloaded. */
    private void assertAuditClean(String database) throws IOException {
        LifeboatConfig config = active.get();
        AuditReport report = audits.auditor(config.databases().get(database)).orElseThrow().audit(database, config, true);
        assertTrue(report.restorable(), report.summary());
        assertEquals(List.of(), report.problems(), report.summary());
        assertNotNull(report.restorablePoint());
    }

    private static long notifications(String state) {
        return bodies().stream().filter(b -> b.contains(UNREACHABLE) && b.contains("\"status\":\"" + state + "\"")).count();
    }

    private static List<String> bodies() {
        return receiver.requests().stream().map(r -> r.getBodyAsString()).toList();
    }

    private static void sleepUntil(Instant when) throws InterruptedException {
        long ms = Duration.between(Instant.now(), when).toMillis();
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    /** The app: commits one row at a time (autocommit) until stopped, counting only commits that returned. */
    static final class SqliteWriter implements AutoCloseable {
        private final Connection connection;
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long committed;
        private volatile Exception failure;

        private SqliteWriter(Path db) throws SQLException {
            connection = DriverManager.getConnection("jdbc:sqlite:" + db);
            try (Statement st = connection.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA busy_timeout=10000");
                st.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM events")) {
                    rs.next();
                    committed = rs.getLong(1);
                }
            }
            thread = Thread.ofPlatform().name("sqlite-app-writer").daemon().start(this::write);
        }

        static SqliteWriter start(Path db) throws SQLException {
            return new SqliteWriter(db);
        }

        private void write() {
            try (var insert = connection.prepareStatement("INSERT INTO events (body) VALUES (?)")) {
                while (running) {
                    insert.setString(1, "event " + committed + " " + "x".repeat(200));
                    insert.executeUpdate();
                    committed++;
                    Thread.sleep(5);
                }
            } catch (SQLException | InterruptedException e) {
                failure = e;
            }
        }

        long committed() {
            if (failure != null) {
                throw new AssertionError("the app's write failed: " + failure, failure);
            }
            return committed;
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
            committed();
        }

        static List<String> rows(Path db) throws SQLException {
            List<String> out = new ArrayList<>();
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT id, body FROM events ORDER BY id")) {
                while (rs.next()) {
                    out.add(rs.getLong(1) + "=" + rs.getString(2));
                }
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            if (running) {
                stop();
            }
            connection.close();
        }
    }
}
