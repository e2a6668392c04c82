package dev.lifeboat.drill;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgBackup;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drill contract for PostgreSQL, against real PostgreSQL 15, pg_dump/pg_restore and S3Proxy, plus a drill killed
 * mid-restore. One backup serves every test.
 */
class PostgresDrillTest extends DrillContract {
    static PostgresServer pg;
    static S3ProxyServer s3;
    static LifeboatConfig config;
    static Manifest backup;
    final DrillService service = newService();

    static final String CHECKS = "      checks:\n"
            + "        has-customers: { query: 'select count(*) from shop.customers', expect: '>= 1' }\n"
            + "        fresh-orders: { query: 'select max(created_at) from shop.orders', expect: 'newer than backup - 1d' }\n";

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.start();
        s3 = S3ProxyServer.start();
        s3.createBucket("backups");
        pg.createDatabase("shop");
        pg.sql("shop",
                "CREATE SCHEMA shop",
                "CREATE TABLE shop.customers (id serial PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE shop.orders (id bigserial PRIMARY KEY, customer int REFERENCES shop.customers, total numeric, created_at timestamptz DEFAULT now())",
                "INSERT INTO shop.customers (name) SELECT 'c' || g FROM generate_series(1, 300) g",
                "INSERT INTO shop.orders (customer, total) SELECT 1 + g % 300, g * 1.5 FROM generate_series(1, 3000) g",
                "CREATE INDEX ON shop.orders (customer)",
                "ANALYZE");
        config = TestConfigs.parse(yaml(""));
        try (ObjectStore store = DrillService.storeFor(config, "shop")) {
            backup = new PgBackup(PgBackup.Settings.of("shop", config.databases().get("shop")), new BackupCatalog(store),
                    PgTools.standard(), Clock.systemUTC()).run();
        }
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @AfterEach
    void dropOthersScratch() throws Exception {
        pg.sql("postgres", "DROP DATABASE IF EXISTS lifeboat_drill_shopping_1");
    }

    @Override
    protected String database() {
        return "shop";
    }

    @Override
    protected LifeboatConfig config(String drillExtra) {
        return TestConfigs.parse(yaml(drillExtra));
    }

    @Override
    protected DrillService service() {
        return service;
    }

    @Override
    protected String backupName() {
        return backup.id();
    }

    @Override
    protected List<String> checkNames() {
        return List.of("pg_restore", "tables", "row-counts", "fresh-orders", "has-customers");
    }

    @Override
    protected Observed userCheckObserved() {
        return new Observed("has-customers", "300");
    }

    @Override
    protected SourceCheck watchSource() throws Exception {
        String dumpBefore = plainDump();
        long commitsBefore = sourceCommits();
        return () -> {
            assertEquals(commitsBefore, sourceCommits(), "the drill committed transactions in the source database");
            assertEquals(dumpBefore, plainDump());
        };
    }

    @Override
    protected List<String> scratchLeft() throws Exception {
        return scratchDatabases();
    }

    @Override
    protected DrillRecord drillAfterFlippingAByte() throws Exception {
        return withDamagedData(bytes -> {
            bytes[bytes.length / 2] ^= 0x40;
            return bytes;
        });
    }

    @Override
    protected DrillRecord drillAfterTruncating() throws Exception {
        return withDamagedData(bytes -> Arrays.copyOf(bytes, bytes.length / 2));
    }

    @Override
    protected FalseCheck falseCheck() {
        return new FalseCheck("no-customers", "select count(*) from shop.customers", "300");
    }

    @Override
    protected List<String> leaveScratchOfAKilledDrillAndAnother() throws Exception {
        String leftover = DrillRun.scratchPrefix("shop") + "20260101t000000zdead00";
        pg.createDatabase(leftover);
        pg.sql(leftover, "CREATE TABLE half_restored (x int)");
        pg.createDatabase("lifeboat_drill_shopping_1"); // another database's prefix: not ours to drop
        return List.of("lifeboat_drill_shopping_1");
    }

    @Override
    protected int tooSmallScratchKiB() {
        return 16;
    }

    @Override
    protected void alsoWhenPassed(DrillRecord r) {
        assertEquals(backup.id(), r.backupId());
        assertEquals(backup.startedAt(), r.backupTime());
        assertEquals(backup.storedBytes(), r.storedBytes());
        assertEquals("3300 rows", r.checks().get(2).observed());
        assertEquals("300", r.checks().get(4).observed());
        assertTrue(r.scratch().startsWith("lifeboat_drill_shop_"), r.scratch());
    }

    @Override
    protected void alsoWhenAByteFlipped(DrillRecord r) {
        assertTrue(r.error().contains("restore of backup " + backup.id() + " failed: checksum mismatch"), r.error());
    }

    @Override
    protected void alsoWhenTruncated(DrillRecord r) {
        assertTrue(r.error().contains(backup.id()) && r.error().contains("checksum mismatch"), r.error());
    }

    @Override
    protected void alsoWhenRefused(DrillRecord r) {
        assertTrue(r.error().contains("x the " + backup.rawBytes() + "-byte dump of backup " + backup.id()), r.error());
    }

    static String yaml(String drillExtra) {
        return ("destinations:\n" + s3.destinationYaml("main", "backups", "lifeboat")
                + "databases:\n"
                + "  shop:\n"
                + "    type: postgres\n"
                + "    url: " + pg.url("shop") + "\n"
                + "    destination: main\n"
                + "    drill:\n"
                + CHECKS
                + drillExtra);
    }

    static List<String> scratchDatabases() throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_drill_%'")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Transactions committed in the source database, read from another database so reading does not count. */
    /**
     * Transactions counted in the source database once the counter is still: a session reports its counts when its
     * backend exits, which can be after its client (the pg_dump of plainDump, say) has already returned.
     */
    static long sourceCommits() throws Exception {
        try (Connection c = pg.connect("postgres"); Statement st = c.createStatement()) {
            long previous = -1;
            for (int i = 0; i < 100; i++) {
                try (ResultSet rs = st.executeQuery("SELECT xact_commit + xact_rollback, "
                        + "(SELECT count(*) FROM pg_stat_activity WHERE datname = 'shop') FROM pg_stat_database WHERE datname = 'shop'")) {
                    rs.next();
                    long commits = rs.getLong(1);
                    if (commits == previous && rs.getLong(2) == 0) {
                        return commits;
                    }
                    previous = commits;
                }
                Thread.sleep(200);
            }
            return previous;
        }
    }

    static String plainDump() {
        return ExternalProcess.run(List.of("pg_dump", "--format=plain", "--no-password", pg.url("shop")), Duration.ofMinutes(1))
                .replaceAll("(?m)^\\\\(un)?restrict .*$", "");
    }

    /** A real SIGKILL mid-restore leaves a scratch database; the next drill drops it and passes. */
    @Test
    void drillKilledMidRestoreLeavesNoScratchDatabaseAfterTheNextRun(@TempDir Path dir) throws Exception {
        Path configFile = TestConfigs.write(dir, yaml(""));
        Path marker = dir.resolve("paused");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                DrillChild.class.getName(), configFile.toString(), "shop", marker.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            for (int i = 0; i < 1200 && !Files.exists(marker); i++) {
                assertTrue(child.isAlive(), () -> "the drill process ended early: " + read(dir.resolve("child.log")));
                Thread.sleep(100);
            }
            assertTrue(Files.exists(marker), "the drill never reached the middle of its download");
            assertEquals(List.of("lifeboat_drill_shop_20261123t000000zc0ffee"), scratchDatabases());
        } finally {
            child.destroyForcibly(); // SIGKILL: no finally blocks run, the scratch database stays
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertEquals(List.of("lifeboat_drill_shop_20261123t000000zc0ffee"), scratchDatabases());

        DrillRecord r = service.run(config, "shop", "schedule");
        assertEquals(DrillRecord.PASSED, r.outcome(), r.error());
        assertEquals(List.of(), scratchDatabases());
    }

    /**
     * A role without CREATEDB cannot make the scratch database: no scheduled drill runs (it could only fail), status
     * says why and drill-overdue names it; a role that may create databases is not stopped.
     */
    @Test
    void roleThatCannotCreateDatabasesTurnsScheduledDrillsOffSayingWhy() throws Exception {
        pg.sql("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nodb') THEN CREATE ROLE nodb LOGIN; END IF; END $$");
        assertEquals(java.util.Optional.empty(), service.whyImpossible(config, "shop"), "the superuser may create databases");
        LifeboatConfig nodb = TestConfigs.parse("destinations:\n" + s3.destinationYaml("main", "backups", "nodb-" + System.nanoTime())
                + "databases:\n  shop:\n    type: postgres\n    url: postgres://nodb@127.0.0.1:" + pg.port() + "/shop\n"
                + "    destination: main\n    drill: { first-delay: 0s }\n");
        DrillScheduler scheduler = new DrillScheduler();
        scheduler.drills = service;
        scheduler.metrics = service.metrics;
        scheduler.start(nodb);
        try {
            DrillScheduleTest.await("the scheduler to find the role cannot create databases", () -> scheduler.plan("shop").map(DrillPlan::off).isPresent());
            DrillPlan plan = scheduler.plan("shop").orElseThrow();
            assertTrue(plan.off().startsWith("drills off: role nodb cannot create databases on "), plan.off());
            assertTrue(plan.off().contains("grant CREATEDB") && plan.off().contains("set databases.shop.drill.server-url"), plan.off());
            assertTrue(plan.nextRunAt().isAfter(java.time.Instant.now().plus(Duration.ofMinutes(30))), "asked again later: " + plan.nextRunAt());
            assertEquals(java.util.Optional.empty(), service.state("shop"), "no drill ran");
            assertEquals(List.of(), service.history(nodb, "shop", 10), "no failing drill recorded");

            DrillFreshness f = DrillFreshness.judge(plan, null, nodb.databases().get("shop").drill(), java.time.Instant.now());
            assertTrue(f.overdue());
            var c = dev.lifeboat.alert.DrillOverdueRule.evaluate("shop", f);
            assertTrue(c.firing());
            assertTrue(c.summary().contains("no restore drill has passed (drill.max-age 31d): drills off: role nodb cannot create databases"), c.summary());
        } finally {
            scheduler.stop();
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(no log)";
        }
    }

    private DrillRecord withDamagedData(UnaryOperator<byte[]> change) throws Exception {
        try (ObjectStore store = DrillService.storeFor(config, "shop")) {
            byte[] original;
            try (InputStream in = store.get(backup.dataKey())) {
                original = in.readAllBytes();
            }
            store.putBytes(backup.dataKey(), change.apply(original.clone()));
            try {
                return service.run(config, "shop", "cli");
            } finally {
                store.putBytes(backup.dataKey(), original);
            }
        }
    }
}
