package dev.lifeboat.postgres;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.store.Destinations;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.testing.S3ProxyServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.inject.Vetoed;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures in the middle of a backup, with real pg_dump, PostgreSQL and S3Proxy: nothing listed, no multipart
 * upload left after the next run, the reason in {@code /api/v1/status} (redacted) and in the metrics.
 */
@QuarkusTest
@QuarkusTestResource(value = PgFailureEnvironment.class, restrictToAnnotatedClass = true)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class PgBackupFailureTest {
    @Inject
    PgBackupService service;

    @Inject
    PgBackupMetrics metrics;

    @Inject
    ActiveConfig active;

    @Inject
    PgBackupScheduler scheduler;

    static BackupCatalog catalog(LifeboatConfig config, String db) throws IOException {
        return new BackupCatalog(ObjectStores.openUnder(config.destinations().get("main"), db + "/"));
    }

    @Test
    @Order(1)
    void pgDumpFailingMidStreamLeavesNothingAndSaysWhy() throws Exception {
        IOException e = assertThrows(IOException.class, () -> service.backupNow("rls"));
        assertTrue(e.getMessage().contains("row-level security"), e.getMessage());
        assertEquals(0, catalog(active.get(), "rls").list().size());
        assertEquals(0, S3Uploads.open(PgFailureEnvironment.s3, "backups"), "the aborted upload must not linger");
        String body = given().get("/api/v1/status").then().statusCode(200)
                .body("databases.rls.backup.consecutiveFailures", equalTo(1))
                .body("databases.rls.backup.lastFailure", containsString("pg_dump exited with code 1"))
                .body("databases.rls.backup.lastFailure", containsString("row-level security"))
                .extract().asString();
        assertTrue(!body.contains(PgFailureEnvironment.PASSWORD), "status leaks the password: " + body);
        metrics.register("rls");
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("lifeboat_pg_backup_consecutive_failures{database=\"rls\"} 1.0"))
                .body(containsString("lifeboat_pg_backups_total{database=\"rls\",result=\"failure\"} 1.0"));
    }

    @Test
    @Order(2)
    void s3StoppedMidUploadLeavesNothingListedAndTheNextRunCleansUp() throws Exception {
        S3ProxyServer s3 = PgFailureEnvironment.s3;
        GatedDestinations gated = new GatedDestinations(active.get(), 6L * 1024 * 1024);
        QuarkusMock.installMockForType(gated, Destinations.class);
        CompletableFuture<Void> run = backupInBackground("big");
        assertTrue(gated.store.awaitPaused(), "the backup never reached the middle of its upload");
        assertEquals(1, S3Uploads.open(s3, "backups"), "a multipart upload is in progress");
        // Mid-backup, the agent holds one connection of its own (lock, statistics) besides pg_dump's.
        String sessions = dev.lifeboat.testing.ExternalProcess.run(java.util.List.of("psql", "-tA", PgFailureEnvironment.pg.url("postgres"), "-c",
                "SELECT string_agg(application_name || '=' || n, ',' ORDER BY application_name) FROM (SELECT application_name, count(*) n "
                        + "FROM pg_stat_activity WHERE datname = 'big' AND application_name LIKE 'lifeboat%' GROUP BY 1) s"),
                java.time.Duration.ofSeconds(30)).trim();
        assertEquals("lifeboat=1,lifeboat-pg_dump=1", sessions);
        s3.stop();
        gated.store.release();
        Exception failure = assertThrows(Exception.class, () -> run.get(2, TimeUnit.MINUTES));
        assertTrue(failure.getCause().getMessage().contains("S3"), failure.getCause().getMessage());
        given().get("/api/v1/status").then().statusCode(200)
                .body("databases.big.backup.lastFailure", containsString("S3"))
                .body("databases.big.backup.lastFailure", not(containsString(S3ProxyServer.SECRET_KEY)))
                .body("databases.big.backup.consecutiveFailures", equalTo(1));

        // The same server comes back: the store was unreachable for the abort, so the upload is still open...
        S3ProxyServer restarted = S3ProxyServer.start(s3.dataDir(), s3.port());
        PgFailureEnvironment.s3 = restarted;
        assertEquals(1, S3Uploads.open(restarted, "backups"), "the abort could not reach the stopped store");
        assertEquals(0, catalog(active.get(), "big").list().size(), "nothing listed");
        // ...until the next run cleans it up and succeeds.
        QuarkusMock.installMockForType(new GatedDestinations(active.get(), Long.MAX_VALUE), Destinations.class);
        service.backupNow("big");
        assertEquals(0, S3Uploads.open(restarted, "backups"));
        assertEquals(1, catalog(active.get(), "big").list().size());
        given().get("/api/v1/status").then().statusCode(200)
                .body("databases.big.backup.consecutiveFailures", equalTo(0));
    }

    @Test
    @Order(3)
    void anotherAgentHoldingTheLockMakesTheRunSkipAndCount() throws Exception {
        // Another agent's session holding the lock, exactly as its backup would.
        try (PgSession otherAgent = PgSession.open(PgUrl.parse(PgFailureEnvironment.pg.url("big")))) {
            assertTrue(otherAgent.tryBackupLock());
            assertThrows(PgBackup.LockBusyException.class, () -> service.backupNow("big"));
        }
        assertEquals(1, service.state("big").skippedTicks());
        given().get("/api/v1/status").then().statusCode(200).body("databases.big.backup.skippedTicks", equalTo(1));
        metrics.register("big");
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("lifeboat_pg_backup_skipped_ticks_total{database=\"big\"} 1.0"));
    }

    @Test
    @Order(4)
    void schedulerStartsFromTheBucketRunsWhatIsDueAndSkipsOverlappingTicks() throws Exception {
        QuarkusMock.installMockForType(new GatedDestinations(active.get(), Long.MAX_VALUE), Destinations.class);
        var newest = catalog(active.get(), "big").latest().orElseThrow();
        int rlsFailures = service.state("rls").consecutiveFailures();
        scheduler.stop(); // whatever an earlier test in this application started, schedule this configuration
        scheduler.start(active.get());
        // rls has no backup: due at once (and fails again); big's newest is recent: due one interval after it.
        for (int i = 0; i < 600 && (service.state("rls").consecutiveFailures() == rlsFailures || service.state("big").nextRunAt() == null); i++) {
            Thread.sleep(100);
        }
        assertEquals(rlsFailures + 1, service.state("rls").consecutiveFailures());
        // The failure is retried after retry-backoff (10 s by default, doubled per failure in a row, with jitter), not
        // at the slot an hour away.
        java.time.Instant failedAt = java.time.Instant.now();
        for (int i = 0; i < 100 && service.state("rls").nextRunAt().isAfter(failedAt.plusSeconds(60)); i++) {
            Thread.sleep(100);
        }
        java.time.Instant retryAt = service.state("rls").nextRunAt();
        java.time.Duration ceiling = java.time.Duration.ofSeconds(10).multipliedBy(1L << rlsFailures); // n-th failure: 10 s × 2^(n-1)
        assertTrue(retryAt.isBefore(failedAt.plus(ceiling).plusSeconds(1)), "the retry is due at " + retryAt + ", failed at " + failedAt);
        given().get("/api/v1/status").then().statusCode(200).body("databases.rls.backup.nextRunAt", equalTo(retryAt.toString()));
        assertEquals(newest.startedAt().plus(java.time.Duration.ofHours(1)), service.state("big").nextRunAt());
        given().get("/api/v1/status").then().statusCode(200)
                .body("databases.big.backup.nextRunAt", equalTo(newest.startedAt().plus(java.time.Duration.ofHours(1)).toString()))
                .body("databases.big.backup.lastBackupId", equalTo(newest.id()));

        // A tick that finds a backup running is skipped and counted, and the next tick is still planned.
        long skipped = service.state("big").skippedTicks();
        assertTrue(service.state("big").tryStart());
        try {
            java.time.Instant due = java.time.Instant.now();
            scheduler.tick("big", dev.lifeboat.config.Schedule.parse("1h"), due);
            assertEquals(skipped + 1, service.state("big").skippedTicks());
            assertEquals(due.plus(java.time.Duration.ofHours(1)), service.state("big").nextRunAt());
        } finally {
            service.state("big").finished();
            scheduler.stop(); // no scheduled run may overlap the next test's
        }
    }

    @Test
    @Order(5)
    void timeoutKillsPgDumpAndAbortsTheUpload() throws Exception {
        GatedDestinations gated = new GatedDestinations(active.get(), 6L * 1024 * 1024);
        QuarkusMock.installMockForType(gated, Destinations.class);
        CompletableFuture<Void> run = backupInBackground("slow");
        assertTrue(gated.store.awaitPaused(), "the backup never reached the middle of its upload");
        // While the upload is held, the 10s timeout passes (ample for pg_dump to reach the pause on a loaded machine) and the watchdog kills pg_dump (its session ends).
        String dumps = "1";
        for (int i = 0; i < 600 && !dumps.equals("0"); i++) {
            Thread.sleep(100);
            dumps = dev.lifeboat.testing.ExternalProcess.run(java.util.List.of("psql", "-tA", PgFailureEnvironment.pg.url("postgres"), "-c",
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lifeboat-pg_dump'"), java.time.Duration.ofSeconds(30)).trim();
        }
        assertEquals("0", dumps, "pg_dump was not killed at the timeout");
        gated.store.release();
        Exception failure = assertThrows(Exception.class, () -> run.get(2, TimeUnit.MINUTES));
        assertTrue(failure.getCause().getMessage().contains("pg_dump killed after the timeout of PT10S"), failure.getCause().getMessage());
        assertEquals(0, S3Uploads.open(PgFailureEnvironment.s3, "backups"), "the upload was aborted");
        assertEquals(0, catalog(active.get(), "slow").list().size());
        given().get("/api/v1/status").then().statusCode(200)
                .body("databases.slow.backup.lastFailure", containsString("timeout"));
    }

    private CompletableFuture<Void> backupInBackground(String database) {
        return CompletableFuture.runAsync(() -> {
            try {
                service.backupNow(database);
            } catch (IOException ex) {
                throw new java.util.concurrent.CompletionException(ex);
            }
        });
    }

    /** The real destinations, except that uploads pause after {@code pauseAfter} bytes. Not a bean. */
    @Vetoed
    static final class GatedDestinations extends Destinations {
        final LifeboatConfig config;
        final GatedStore store;

        GatedDestinations(LifeboatConfig config, long pauseAfter) throws IOException {
            this.config = config;
            ObjectStore s3 = ObjectStores.open(config.destinations().get("main"));
            this.store = new GatedStore(s3, pauseAfter, null);
        }

        @Override
        public ObjectStore forDatabase(String database) {
            return new PrefixedStore(store, database + "/");
        }
    }
}
