package dev.lifeboat.api;

import dev.lifeboat.alert.AlertService;
import dev.lifeboat.audit.AuditControl;
import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.AuditService;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.drill.DrillFreshness;
import dev.lifeboat.drill.DrillPlan;
import dev.lifeboat.drill.DrillRecord;
import dev.lifeboat.drill.DrillScheduler;
import dev.lifeboat.drill.DrillService;
import dev.lifeboat.drill.DrillStatus;
import dev.lifeboat.postgres.PgBackupService;
import dev.lifeboat.postgres.health.PgHealthReport;
import dev.lifeboat.postgres.health.PgHealthWatch;
import dev.lifeboat.sqlite.ReplicaStats;
import dev.lifeboat.sqlite.ReplicationService;
import dev.lifeboat.store.Destinations;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.FaultProxy;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.TestConfigs;
import dev.lifeboat.volume.Condition;
import dev.lifeboat.volume.Mounts;
import dev.lifeboat.volume.VolumeMonitor;
import dev.lifeboat.volume.VolumeReport;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verdict of {@code GET /api/v1/status}, readiness and the alerts are one answer: for each condition class driven
 * through its real part (a file destination that vanishes, volume checks on a real tmpfs that is too small, then full, pg_dump backups of a real PostgreSQL that refuses connections, a configuration file
 * that breaks, SQLite replication into a file destination that stops being writable and into S3 behind a fault proxy,
 * restore drills that pass and then age past {@code drill.max-age}, a replica whose objects are deleted behind the
 * audit's back, a real PostgreSQL whose connection slots fill up), the status goes ok → degraded → failing → ok with the matching reasons (rule, subject, summary, since),
 * {@code /q/health/ready} is down exactly while it is failing, and {@code /api/v1/alerts} holds the same alerts.
 */
@QuarkusTest
class VerdictConditionsTest {
    @Inject
    ActiveConfig active;

    @Inject
    AlertService alerts;

    @Inject
    Destinations destinations;

    @Inject
    VolumeMonitor volumes;

    @Inject
    PgBackupService backups;

    @Inject
    ReplicationService replication;

    @Inject
    PgHealthWatch health;

    @Inject
    DrillScheduler drillScheduler;

    @Inject
    DrillService drills;

    @Inject
    DrillStatus drillStatus;

    @Inject
    AuditService audits;

    Path dir;

    @BeforeEach
    void dir() throws Exception {
        dir = Files.createTempDirectory("lifeboat-verdict");
    }

    @AfterEach
    void defaults() {
        volumes.stop();
        Path defaults = ConfigLoader.resolvePath(null);
        active.install(defaults, new ConfigLoader().load(defaults));
    }

    LifeboatConfig install(String yaml) {
        Path file = TestConfigs.write(dir, yaml + "alerts: { for: 0s, state-dir: " + dir.resolve("state") + " }\n");
        LifeboatConfig config = new ConfigLoader().load(file);
        active.install(file, config);
        return config;
    }

    /** Evaluates the alerts once and checks status, its reasons, readiness and the alert list agree. */
    void expect(String status, Map<String, String> reasons) {
        alerts.evaluate();
        JsonPath doc = given().get("/api/v1/status").then().statusCode(200).extract().jsonPath();
        assertEquals(status, doc.getString("status"), doc.prettify());
        List<Map<String, Object>> listed = doc.getList("reasons");
        assertEquals(reasons.size(), listed.size(), "reasons: " + listed);
        for (Map<String, Object> r : listed) {
            String rule = (String) r.get("rule");
            assertEquals(reasons.get(rule), r.get("subject"), "reason " + r + " expected among " + reasons);
            assertTrue(r.get("summary") instanceof String s && s.contains((String) r.get("subject")), "summary names the subject: " + r);
            assertNotNull(r.get("since"), "since: " + r);
        }
        int ready = given().get("/q/health/ready").then().extract().statusCode();
        assertEquals(status.equals("failing") ? 503 : 200, ready, "readiness follows the verdict " + status);
        if (!reasons.isEmpty()) {
            List<String> active = given().get("/api/v1/alerts").then().statusCode(200).extract().jsonPath().getList("firing.rule");
            List<String> pending = given().get("/api/v1/alerts").then().extract().jsonPath().getList("pending.rule");
            for (String rule : reasons.keySet()) {
                assertTrue(active.contains(rule) || pending.contains(rule), rule + " is an alert: " + active + " " + pending);
            }
        }
    }

    @Test
    void destinationUnreachableFailsAndRecovers() throws Exception {
        Path replica = Files.createDirectories(dir.resolve("replica"));
        install("destinations:\n  vault: { url: 'file://" + replica + "' }\n");
        destinations.checkAll();
        expect("ok", Map.of());
        Files.delete(replica);
        destinations.checkAll();
        expect("failing", Map.of("destination-unreachable", "vault"));
        Files.createDirectories(replica);
        destinations.checkAll();
        expect("ok", Map.of());
    }

    @Test
    void volumeTooSmallDegradesAndLowSpaceFails() throws Exception {
        Mounts.assumeCanMount();
        Path data = dir.resolve("data");
        String volume = "volumes:\n  data: { path: " + data + ", check-interval: 1s, min-free: 50%%, min-size: %s }\n";
        try (Mounts mounts = new Mounts()) {
            mounts.tmpfs(data, "size=4m");
            volumes.start(install(volume.formatted("1MiB")));
            await("a healthy check", VolumeReport::healthy);
            expect("ok", Map.of());
            volumes.start(install(volume.formatted("1GiB")));
            await("too small seen", r -> r.has(Condition.Kind.TOO_SMALL));
            expect("degraded", Map.of("volume-too-small", "data"));
            Files.write(data.resolve("ballast"), new byte[3 << 20]); // the disk really fills up
            await("low space seen", r -> r.has(Condition.Kind.LOW_SPACE));
            expect("failing", Map.of("volume-low-space", "data", "volume-too-small", "data"));
            Files.delete(data.resolve("ballast"));
            volumes.start(install(volume.formatted("1MiB")));
            await("a healthy check again", VolumeReport::healthy);
            expect("ok", Map.of());
        }
    }

    private void await(String what, java.util.function.Predicate<VolumeReport> seen) throws InterruptedException {
        Await.until(what, Duration.ofSeconds(20), () -> volumes.report("data").filter(seen).isPresent());
    }

    @Test
    void backupFailuresDegradeAndAStaleBackupFails() throws Exception {
        try (PostgresServer pg = PostgresServer.start()) {
            pg.createDatabase("ledger");
            String config = "destinations:\n  local: { url: 'file://" + dir.resolve("dest") + "' }\n"
                    + "databases:\n  ledger: { type: postgres, url: '" + pg.url("ledger") + "', destination: local, schedule: 1h }\n"
                    + "alerts: { for: 0s, state-dir: " + dir.resolve("state") + ", thresholds: { consecutive-failures: 2, max-backup-age: %s } }\n";
            installRaw(config.formatted("1h"));
            backups.backupNow("ledger");
            expect("ok", Map.of());
            pg.sql("postgres", "ALTER DATABASE ledger ALLOW_CONNECTIONS false");
            for (int i = 0; i < 2; i++) {
                assertThrows(Exception.class, () -> backups.backupNow("ledger"));
            }
            expect("degraded", Map.of("backup-failures", "ledger"));
            installRaw(config.formatted("1s"));
            Thread.sleep(1100); // the last success becomes older than max-backup-age
            expect("failing", Map.of("backup-stale", "ledger", "backup-failures", "ledger"));
            pg.sql("postgres", "ALTER DATABASE ledger ALLOW_CONNECTIONS true");
            installRaw(config.formatted("1h"));
            backups.backupNow("ledger");
            expect("ok", Map.of());
        }
    }

    private void installRaw(String yaml) {
        Path file = TestConfigs.write(dir, yaml);
        active.install(file, new ConfigLoader().load(file));
    }

    @Test
    void invalidConfigurationFailsAndRecovers() {
        install("");
        expect("ok", Map.of());
        active.install(TestConfigs.write(dir, "databases:\n  x: { type: nosuch }\n"), null);
        JsonPath doc = given().get("/api/v1/status").then().statusCode(200).extract().jsonPath();
        assertEquals("failing", doc.getString("status"));
        assertEquals("config-invalid", doc.getString("reasons[0].rule"));
        assertEquals(503, given().get("/q/health/ready").statusCode());
        install("");
        expect("ok", Map.of());
    }

    /**
     * {@code replication-error} is critical (README's verdict table): a SQLite database whose part of a file destination
     * turns into a plain file cannot ship its WAL, so the verdict goes straight from ok to failing, and back once it can.
     */
    @Test
    void replicationErrorFailsAndRecovers() throws Exception {
        Path db = dir.resolve("journal.db");
        Path replica = dir.resolve("replica");
        sqlite(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
        install("destinations:\n  shelf: { url: 'file://" + replica + "' }\n"
                + "databases:\n  journal: { type: sqlite, path: " + db + ", destination: shelf, sync-interval: 100ms }\n");
        replication.start(active.get());
        try {
            awaitReplica("journal", "a first good sync", s -> s.lastSyncAt != null && s.lastErrorAt == null && s.syncs.get() >= 2);
            destinations.checkAll();
            expect("ok", Map.of());

            // Only this database's part of the destination breaks: the destination itself stays reachable.
            Path away = dir.resolve("journal-away");
            Files.move(replica.resolve("journal"), away);
            Files.writeString(replica.resolve("journal"), "not a directory"); // every object write under it now fails
            sqlite(db, "INSERT INTO t VALUES (2);");
            awaitReplica("journal", "a failed sync", s -> s.lastErrorAt != null && (s.lastSyncAt == null || s.lastErrorAt.isAfter(s.lastSyncAt)));
            destinations.checkAll();
            expect("failing", Map.of("replication-error", "journal"));

            Files.delete(replica.resolve("journal"));
            Files.move(away, replica.resolve("journal"));
            sqlite(db, "INSERT INTO t VALUES (3);");
            awaitReplica("journal", "a good sync after the error", s -> s.lastSyncAt != null && s.lastSyncAt.isAfter(s.lastErrorAt) && s.unshippedSince == null);
            destinations.checkAll();
            expect("ok", Map.of());
        } finally {
            replication.stop();
        }
    }

    /**
     * Against S3 the steps between come apart: a black-holed endpoint holds the shipping of a new change (no error yet,
     * the change only waits: {@code replication-lag}, a warning, degraded); connections reset make the sync fail
     * ({@code replication-error}, failing); the endpoint back, the change ships and the verdict is ok.
     */
    @Test
    void replicationLagDegradesAndAFailingS3Fails() throws Exception {
        Path db = dir.resolve("ledger.db");
        sqlite(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
        try (S3ProxyServer s3 = S3ProxyServer.start(); FaultProxy proxy = FaultProxy.http("127.0.0.1", s3.port())) {
            s3.createBucket("verdict");
            installRaw("destinations:\n" + s3.destinationYaml("cloud", "verdict", "lifeboat").replace(s3.endpoint(), proxy.endpoint())
                    + "    connect-timeout: 1s\n    request-timeout: 2s\n"
                    + "databases:\n  ledger: { type: sqlite, path: " + db + ", destination: cloud, sync-interval: 100ms }\n"
                    + "alerts: { for: 0s, state-dir: " + dir.resolve("state") + ", thresholds: { max-replication-lag: 1s } }\n");
            replication.start(active.get());
            try {
                awaitReplica("ledger", "a first good sync", s -> s.lastSyncAt != null && s.lastErrorAt == null && s.syncs.get() >= 2);
                destinations.checkAll();
                expect("ok", Map.of());

                proxy.blackhole();
                sqlite(db, "INSERT INTO t VALUES (2);");
                awaitReplica("ledger", "the new change waiting for over 1s", s -> s.unshippedSince != null
                        && s.unshippedSince.isBefore(Instant.now().minusMillis(1200)));
                assertEquals(null, replication.replicators().get("ledger").stats().lastErrorAt, "no error yet: the upload only waits");
                expect("degraded", Map.of("replication-lag", "ledger"));

                proxy.reset();
                awaitReplica("ledger", "a failed sync", s -> s.lastErrorAt != null);
                destinations.checkAll();
                expect("failing", Map.of("replication-error", "ledger", "replication-lag", "ledger", "destination-unreachable", "cloud"));

                proxy.pass();
                awaitReplica("ledger", "the change shipped", s -> s.lastSyncAt.isAfter(s.lastErrorAt) && s.unshippedSince == null);
                destinations.checkAll();
                expect("ok", Map.of());
            } finally {
                replication.stop();
            }
        }
    }

    private static void sqlite(Path db, String sql) throws Exception {
        ExternalProcess.run(List.of("sqlite3", db.toString(), sql), Duration.ofSeconds(30));
    }

    private void awaitReplica(String database, String what, java.util.function.Predicate<ReplicaStats> seen) throws InterruptedException {
        Await.until(what, Duration.ofSeconds(20), () -> {
            var r = replication.replicators().get(database);
            return r != null && seen.test(r.stats());
        });
    }

    /**
     * {@code drill-overdue} is a warning: with scheduled drills off and none ever passed the verdict is degraded; a
     * passing drill makes it ok; once that drill is older than {@code drill.max-age} it is degraded again, until the
     * next drill passes. (Starts the app's one drill scheduler, with drills off: no drill runs unasked.)
     */
    @Test
    void drillOverdueDegradesUntilADrillPasses() throws Exception {
        Path db = dir.resolve("diary.db");
        sqlite(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
        LifeboatConfig config = install("destinations:\n  shelf: { url: 'file://" + dir.resolve("replica") + "' }\n"
                + "databases:\n  diary: { type: sqlite, path: " + db + ", destination: shelf, sync-interval: 100ms,"
                + " drill: { enabled: false, max-age: 3s, scratch-dir: " + dir.resolve("scratch") + " } }\n");
        replication.start(config);
        try {
            awaitReplica("diary", "a first snapshot", s -> s.snapshots.get() >= 1 && s.lastSyncAt != null);
            drillScheduler.start(config);
            Await.until("the drill history read", Duration.ofSeconds(20),
                    () -> drillScheduler.plan("diary").filter(DrillPlan::historyRead).isPresent());
            expect("degraded", Map.of("drill-overdue", "diary"));

            DrillRecord passed = drills.run(config, "diary", "api");
            assertTrue(passed.passed(), "the drill passes: " + passed);
            expect("ok", Map.of());

            Await.until("the passing drill older than max-age", Duration.ofSeconds(20),
                    () -> drillStatus.freshness("diary", Instant.now()).filter(DrillFreshness::overdue).isPresent());
            expect("degraded", Map.of("drill-overdue", "diary"));

            assertTrue(drills.run(config, "diary", "api").passed(), "the second drill passes");
            expect("ok", Map.of());
        } finally {
            replication.stop();
        }
    }

    /**
     * {@code replica-damaged} is critical: the replica of a SQLite database loses its objects behind the agent's back
     * (a mistaken delete), the next audit finds its newest point unrestorable and the verdict fails; the repair the
     * audit starts (a new snapshot) makes it restorable and the verdict ok again. (Starts the app's audits; the
     * interval is long, the test asks for each audit.)
     */
    @Test
    void replicaDamagedFailsUntilTheRepairMakesItRestorable() throws Exception {
        Path db = dir.resolve("album.db");
        Path replica = dir.resolve("replica");
        sqlite(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
        LifeboatConfig config = install("destinations:\n  shelf: { url: 'file://" + replica + "' }\n"
                + "databases:\n  album: { type: sqlite, path: " + db + ", destination: shelf, sync-interval: 100ms, audit-interval: 1h }\n");
        replication.start(config);
        try {
            awaitReplica("album", "a first snapshot", s -> s.snapshots.get() >= 1 && s.lastSyncAt != null);
            AuditControl.start(audits, config);
            awaitAudit("a first audit", r -> r.newest() != null && r.restorable());
            destinations.checkAll();
            expect("ok", Map.of());

            long shipped = replication.replicators().get("album").stats().segments.get();
            try (var files = Files.walk(replica.resolve("album"))) {
                files.sorted(java.util.Comparator.reverseOrder()).filter(Files::isRegularFile).forEach(f -> f.toFile().delete());
            }
            sqlite(db, "INSERT INTO t VALUES (2);");
            awaitReplica("album", "the new row shipped", s -> s.segments.get() > shipped);
            AuditControl.auditNow(audits, "album");
            assertTrue(!audits.report("album").orElseThrow().restorable(), "the audit finds the damage");
            destinations.checkAll();
            expect("failing", Map.of("replica-damaged", "album"));

            awaitAudit("the repaired replica audited restorable", r -> r.newest() != null && r.restorable());
            expect("ok", Map.of());
        } finally {
            replication.stop();
        }
    }

    private void awaitAudit(String what, java.util.function.Predicate<AuditReport> seen) throws InterruptedException {
        Await.until(what + " (last: " + audits.latest().get("album") + ")", Duration.ofSeconds(30),
                () -> audits.report("album").filter(seen).isPresent());
    }

    /**
     * {@code pg-connections} is a warning past {@code health.connections.warn} and critical past {@code critical}:
     * sessions opened on a real server ({@code max_connections=20}, 3 for superusers: 17 usable) take the verdict
     * from ok to degraded to failing, and back to ok once they close.
     */
    @Test
    void pgConnectionsDegradeThenFailAndRecover() throws Exception {
        try (PostgresServer pg = PostgresServer.startWith("max_connections=20", "superuser_reserved_connections=3")) {
            pg.createDatabase("crowd");
            LifeboatConfig config = install("destinations:\n  local: { url: 'file://" + dir.resolve("dest") + "' }\n"
                    + "databases:\n  crowd: { type: postgres, url: '" + pg.url("crowd") + "', destination: local, schedule: 1h,"
                    + " health: { interval: 200ms, connections: { warn: 30%, critical: 60% } } }\n");
            health.start(config);
            List<Connection> held = new ArrayList<>();
            try {
                PgHealthReport first = awaitHealth("a first report", r -> r.connections().usedPercent() < 30);
                expect("ok", Map.of());
                int base = first.connections().total();
                open(pg, held, 6 - base); // 6 of 17 = 35 %
                awaitHealth("35 % in use", r -> r.connections().usedPercent() >= 30 && r.connections().usedPercent() < 60);
                expect("degraded", Map.of("pg-connections", "crowd"));
                open(pg, held, 11 - base - held.size()); // 11 of 17 = 65 %
                awaitHealth("65 % in use", r -> r.connections().usedPercent() >= 60);
                expect("failing", Map.of("pg-connections", "crowd"));
            } finally {
                for (Connection c : held) {
                    c.close();
                }
            }
            try {
                awaitHealth("the sessions closed", r -> r.connections().usedPercent() < 30);
                expect("ok", Map.of());
            } finally {
                health.stop();
            }
        }
    }

    private static void open(PostgresServer pg, List<Connection> held, int more) throws Exception {
        for (int i = 0; i < more; i++) {
            held.add(pg.connect("crowd"));
        }
    }

    private PgHealthReport awaitHealth(String what, java.util.function.Predicate<PgHealthReport> seen) throws InterruptedException {
        Await.until(what + " (last: " + health.report("crowd").orElse(null) + ")", Duration.ofSeconds(30),
                () -> health.report("crowd").filter(PgHealthReport::ok).filter(seen).isPresent());
        return health.report("crowd").orElseThrow();
    }
}
