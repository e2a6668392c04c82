package dev.lifeboat.drill;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgBackup;
import dev.lifeboat.postgres.PgConnectionBudget;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.postgres.health.PgHealthProbe;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backup, a drill (against the same server, the default) and the health watch started together, twice: a sampler
 * reading {@code pg_stat_activity} every 50 ms never sees more than two of the agent's connections (client backends
 * with {@code application_name} lifeboat, lifeboat-pg_dump, lifeboat-pg_restore, lifeboat-health).
 */
class ConnectionBudgetTest {
    /*
     * Counts client backends only. A parallel worker of pg_restore's CREATE INDEX (ALTER TABLE ... ADD CONSTRAINT
     * ... PRIMARY KEY, max_parallel_maintenance_workers) shows in pg_stat_activity with its leader's application_name
     * and query, but it is a background worker (max_worker_processes), not a connection: it takes no
     * max_connections slot. Counting it made this test see "two lifeboat-pg_restore backends" 1 run in 3.
     */
    @Test
    void backupDrillAndHealthWatchTogetherNeverHoldMoreThanTwoConnections() throws Exception {
        try (PostgresServer pg = PostgresServer.start(); S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("backups");
            pg.createDatabase("shop");
            pg.sql("shop", "CREATE TABLE items (id bigint PRIMARY KEY, name text)",
                    "INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 200000) g", "ANALYZE");
            LifeboatConfig config = TestConfigs.parse("destinations:\n" + s3.destinationYaml("main", "backups", "lifeboat")
                    + "databases:\n  shop:\n    type: postgres\n    url: " + pg.url("shop") + "\n    destination: main\n"
                    + "    compression: none\n");
            var db = config.databases().get("shop");
            PgUrl url = PgUrl.parse(db.url().orElseThrow());

            AtomicInteger most = new AtomicInteger();
            AtomicInteger samples = new AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<String> seen = new java.util.concurrent.atomic.AtomicReference<>();
            AtomicBoolean sampling = new AtomicBoolean(true);
            // Own threads: the common pool has a single worker on two cores, which the sampler would occupy.
            var threads = java.util.concurrent.Executors.newCachedThreadPool();
            CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
                try (Connection c = pg.connect("postgres"); Statement st = c.createStatement()) {
                    while (sampling.get()) {
                        try (ResultSet rs = st.executeQuery("SELECT count(*), string_agg(application_name || ' ' || backend_type || ' ' || datname || ' ' || state || ' ' || pid || ' ' || backend_start || ' ' || left(coalesce(query,''), 60), ', ') FROM pg_stat_activity"
                                + " WHERE application_name LIKE 'lifeboat%' AND backend_type = 'client backend'")) {
                            rs.next();
                            if (rs.getInt(1) > most.getAndAccumulate(rs.getInt(1), Math::max)) {
                                seen.set(rs.getString(2));
                            }
                            samples.incrementAndGet();
                        }
                        Thread.sleep(50);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads);
            int polls = 0;
            try (ObjectStore store = DrillService.storeFor(config, "shop");
                 PgHealthProbe health = new PgHealthProbe("shop", url, Duration.ofSeconds(5), false, 1)) {
                BackupCatalog catalog = new BackupCatalog(store);
                new PgBackup(PgBackup.Settings.of("shop", db), catalog, PgTools.standard(), Clock.systemUTC()).run();
                for (int round = 0; round < 2; round++) {
                    int id = round;
                    // The watch holds its connection when the backup and drill start: they take it back (the budget's yield).
                    if (health.poll() != null) {
                        polls++;
                    }
                    AtomicBoolean busy = new AtomicBoolean(true);
                    CompletableFuture<?> backup = CompletableFuture.runAsync(() -> {
                        try {
                            new PgBackup(PgBackup.Settings.of("shop", db), catalog, PgTools.standard(), Clock.systemUTC()).run();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, threads);
                    CompletableFuture<?> drill = CompletableFuture.runAsync(() -> {
                        try {
                            new PostgresDrill(PgTools.standard()).run(new DrillRun("20261205T00000" + id + "Z-budget", "shop", config, store, Instant.now()));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, threads);
                    CompletableFuture.allOf(backup, drill).whenComplete((v, e) -> busy.set(false));
                    while (busy.get()) {
                        if (health.poll() != null) {
                            polls++;
                        }
                        Thread.sleep(50);
                    }
                    backup.get(2, TimeUnit.MINUTES);
                    drill.get(2, TimeUnit.MINUTES);
                }
                assertEquals(3, catalog.list().size(), "every backup completed");
            } finally {
                sampling.set(false);
                sampler.get(1, TimeUnit.MINUTES);
                threads.shutdownNow();
            }
            assertTrue(samples.get() > 20, "the sampler ran: " + samples.get());
            assertTrue(polls > 0, "the health watch polled in between");
            assertTrue(most.get() >= 2, "the sampler saw the agent's connections: " + most.get());
            assertTrue(most.get() <= PgConnectionBudget.PER_SERVER, "at most two connections at once, saw " + most.get() + ": " + seen.get());
        }
    }
}
