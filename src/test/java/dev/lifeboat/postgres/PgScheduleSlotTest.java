package dev.lifeboat.postgres;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.store.Destinations;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two agents (each its own scheduler, service and S3 client, as on two machines) back one PostgreSQL database up on
 * one schedule into one bucket, started out of step: every schedule slot gets exactly one backup, and the agent that
 * finds its slot taken skips it and says so in its status.
 */
class PgScheduleSlotTest {
    private static final Duration EVERY = Duration.ofSeconds(3);

    /** Each agent's own S3 client on the shared bucket. */
    static final class OwnDestinations extends Destinations {
        private final ObjectStore bucket;

        OwnDestinations(LifeboatConfig config) throws IOException {
            this.bucket = ObjectStores.open(config.destinations().get("main"));
        }

        @Override
        public ObjectStore forDatabase(String database) {
            return new PrefixedStore(bucket, database + "/");
        }
    }

    private record Agent(PgBackupService service, PgBackupScheduler scheduler) {
    }

    private static Agent agent(LifeboatConfig config) throws IOException {
        PgBackupService service = new PgBackupService();
        service.active = new ActiveConfig();
        service.active.install(Path.of("test.yml"), config);
        service.destinations = new OwnDestinations(config);
        PgBackupMetrics metrics = new PgBackupMetrics();
        metrics.service = service;
        metrics.registry = new SimpleMeterRegistry();
        PgBackupScheduler scheduler = new PgBackupScheduler();
        scheduler.service = service;
        scheduler.metrics = metrics;
        return new Agent(service, scheduler);
    }

    @Test
    void twoAgentsOnOneScheduleMakeExactlyOneBackupPerSlot() throws Exception {
        try (PostgresServer pg = PostgresServer.start(); S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("backups");
            pg.createDatabase("app");
            pg.sql("app", "CREATE TABLE t(id int)", "INSERT INTO t SELECT generate_series(1, 1000)");
            LifeboatConfig config = TestConfigs.parse("destinations:\n" + s3.destinationYaml("main", "backups", "")
                    + "databases:\n  app:\n    type: postgres\n    url: " + pg.url("app") + "\n    destination: main\n"
                    + "    compression: none\n    schedule: " + EVERY.toSeconds() + "s\n");
            Agent a = agent(config);
            Agent b = agent(config);
            ObjectStore store = new OwnDestinations(config).forDatabase("app");
            try {
                a.scheduler.start(config);
                // Half a slot later: without slot claims B's ticks fall between A's and each slot gets two backups.
                Thread.sleep(EVERY.toMillis() / 2);
                b.scheduler.start(config);
                Await.until("four slots backed up", Duration.ofSeconds(90), () -> {
                    try {
                        return new BackupCatalog(store).list().size() >= 4;
                    } catch (IOException e) {
                        return false;
                    }
                });
            } finally {
                a.scheduler.stop();
                b.scheduler.stop();
            }
            Await.until("backups in flight to finish", Duration.ofSeconds(60),
                    () -> !a.service.state("app").running() && !b.service.state("app").running());

            List<Manifest> manifests = new BackupCatalog(store).list();
            Set<String> claims = store.list(PgBackupService.SLOTS).stream().map(ObjectInfo::key).collect(Collectors.toSet());
            long done = a.service.state("app").successes() + b.service.state("app").successes();
            assertEquals(manifests.size(), done, "every backup made a manifest");
            assertEquals(manifests.size(), claims.size(), "one backup per claimed slot: " + claims + " vs " + manifests.stream().map(Manifest::startedAt).toList());
            assertTrue(a.service.state("app").skippedTicks() + b.service.state("app").skippedTicks() > 0, "one agent skipped slots");
            assertTrue(a.service.state("app").successes() > 0 || b.service.state("app").successes() > 0);
            String skip = a.service.state("app").status().lastSkip() != null ? a.service.state("app").status().lastSkip()
                    : b.service.state("app").status().lastSkip();
            assertTrue(skip != null && skip.matches("slot \\S+ was taken by .*/pid \\d+/.*"), "the skipping agent says why: " + skip);
        }
    }
}
