package dev.lifeboat.volume;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The running agent's monitor against real mounts: each fault made while it runs is reported with the right
 * condition within two check intervals — counted in checks (the report's sequence), not measured in time — and
 * shows in status and metrics; the guard refuses the unmounted path. Needs root.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VolumeAgentTest {
    /** Upper bound for waiting only, so that a broken build fails instead of hanging; never an assertion on speed. */
    private static final Duration GIVE_UP = Duration.ofSeconds(60);

    @Inject
    VolumeMonitor monitor;

    @Inject
    VolumeGuard guard;

    @Inject
    ActiveConfig active;

    private final Mounts mounts = new Mounts();
    private Path base;
    private Path gone;
    private Path goneMount;
    private Path ro;
    private Path full;

    @BeforeAll
    void startAgent() throws IOException {
        Mounts.assumeCanMount();
        base = Files.createTempDirectory("lifeboat-agent-volumes");
        goneMount = base.resolve("gone-mnt");
        mounts.tmpfs(goneMount, "size=4m");
        gone = Files.createDirectories(goneMount.resolve("app"));
        ro = base.resolve("ro");
        mounts.tmpfs(ro, "size=4m");
        full = base.resolve("full");
        mounts.tmpfs(full, "size=16m");
        Path plain = Files.createDirectories(base.resolve("plain"));
        Path dbvol = base.resolve("dbvol");
        mounts.tmpfs(dbvol, "size=4m");
        String yaml = """
                destinations: {local: {url: "file://%1$s/replica"}}
                databases:
                  app: {type: sqlite, path: %2$s/app.db, destination: local}
                  stray: {type: sqlite, path: %1$s/stray.db, destination: local}
                volumes:
                  gone: {path: %2$s, check-interval: 300ms}
                  ro: {path: %3$s, check-interval: 300ms}
                  full: {path: %4$s, check-interval: 300ms, min-free: 50%%}
                  plain: {path: %5$s, check-interval: 300ms}
                  dbvol: {path: %6$s, check-interval: 300ms, databases: [stray]}
                """.formatted(base, gone, ro, full, plain, dbvol);
        LifeboatConfig config = TestConfigs.parse(yaml);
        active.install(TestConfigs.write(base, yaml), config);
        monitor.start(config);
    }

    @AfterAll
    void stopAgent() throws IOException {
        if (monitor != null) {
            monitor.stop();
        }
        mounts.close();
        if (base != null) {
            try (Stream<Path> all = Files.walk(base)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Waits for a report of {@code volume} that satisfies {@code until}, and returns it. */
    private VolumeReport await(String volume, java.util.function.Predicate<VolumeReport> until) {
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        while (System.nanoTime() < deadline) {
            VolumeReport r = monitor.report(volume).orElse(null);
            if (r != null && until.test(r)) {
                return r;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return fail("no report of '" + volume + "' matched; last: " + monitor.report(volume).map(VolumeStatus::named).orElse(null));
    }

    /** Makes {@code fault} happen while the monitor runs and checks it is reported by at most the second check after it. */
    private VolumeReport detectedWithinTwoChecks(String volume, Condition.Kind kind, ThrowingRunnable fault) throws IOException {
        VolumeReport healthy = await(volume, VolumeReport::healthy);
        long before = monitor.report(volume).orElseThrow().sequence();
        fault.run();
        VolumeReport seen = await(volume, r -> r.has(kind));
        assertTrue(seen.sequence() <= before + 2, kind + " seen at check " + seen.sequence() + ", fault made after check " + before
                + " (healthy at " + healthy.sequence() + ")");
        return seen;
    }

    interface ThrowingRunnable {
        void run() throws IOException;
    }

    @Test
    void mountRemovedWhileRunningIsENOENTAndTheGuardRefuses() throws IOException {
        VolumeReport r = detectedWithinTwoChecks("gone", Condition.Kind.PATH_MISSING, () -> mounts.umount(goneMount));
        assertTrue(Reasons.of(r, Condition.Kind.PATH_MISSING).contains("ENOENT"), r.failing().toString());
        UserFacingException refused = assertThrows(UserFacingException.class, () -> guard.requireMounted(gone.resolve("app.db")));
        assertTrue(refused.getMessage().contains("fly.toml [mounts]"), refused.getMessage());
        given().get("/api/v1/status").then().statusCode(200)
                .body("volumes.gone.healthy", equalTo(false))
                .body("volumes.gone.failing.condition", hasItem("path_missing"));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("lifeboat_volume_condition{condition=\"path_missing\",volume=\"gone\"} 1.0"));
    }

    @Test
    void remountReadOnlyWhileRunning() throws IOException {
        detectedWithinTwoChecks("ro", Condition.Kind.READ_ONLY, () -> mounts.remountReadOnly(ro));
        given().get("/q/metrics").then().body(containsString("lifeboat_volume_read_only{volume=\"ro\"} 1.0"));
        assertThrows(UserFacingException.class, () -> guard.requireMounted(ro.resolve("app.db")));
    }

    @Test
    void diskFilledPastTheThresholdWhileRunning() throws IOException {
        VolumeReport r = detectedWithinTwoChecks("full", Condition.Kind.LOW_SPACE, () -> {
            try (OutputStream out = Files.newOutputStream(full.resolve("filler"))) {
                out.write(new byte[10 << 20]);
            }
        });
        assertTrue(Reasons.of(r, Condition.Kind.LOW_SPACE).contains("below min-free 50%"), r.failing().toString());
        given().get("/api/v1/status").then().body("volumes.full.failing.condition", hasItem("low_space"));
        given().get("/q/metrics").then().body(containsString("lifeboat_volume_free_bytes{volume=\"full\"}"));
    }

    @Test
    void aPlainDirectoryAndAStrayDatabaseFailFromTheFirstCheck() {
        VolumeReport plain = await("plain", r -> r.sequence() >= 1);
        assertTrue(plain.has(Condition.Kind.NOT_MOUNTED), plain.failing().toString());
        VolumeReport dbvol = await("dbvol", r -> r.sequence() >= 1);
        assertTrue(dbvol.has(Condition.Kind.DATABASE_OFF_VOLUME), dbvol.failing().toString());
        given().get("/api/v1/status").then()
                .body("volumes.plain.mounted", equalTo(false))
                .body("volumes.plain.failing[0].condition", equalTo("not_mounted"))
                .body("volumes.plain.failing[0].severity", equalTo("critical"))
                .body("volumes.dbvol.failing.condition", hasItem("database_off_volume"));
        given().get("/q/metrics").then()
                .body(containsString("lifeboat_volume_mounted{volume=\"plain\"} 0.0"))
                .body(containsString("lifeboat_volume_healthy{volume=\"dbvol\"} 0.0"));
    }

    @Test
    void volumeMetricsAreValidPrometheusText() throws IOException {
        await("full", r -> r.sequence() >= 1);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("lifeboat_volume_fsync_latency_seconds{volume=\"full\"}"), "volume gauges present");
        Path file = Files.createTempFile(base, "metrics", ".txt");
        Files.writeString(file, metrics);
        // promtool (Debian package prometheus, installed by bin/test) is the reference checker of the exposition format.
        String out = dev.lifeboat.testing.ExternalProcess.run(java.util.List.of("sh", "-c",
                "promtool check metrics < " + file + " 2>&1 | grep -v -e 'counter metrics should have' -e 'no help text' || true"), Duration.ofSeconds(30));
        assertTrue(!out.toLowerCase().contains("error") && !out.contains("lifeboat_volume"), "promtool: " + out);
    }
}
