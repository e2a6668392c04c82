package dev.lifeboat.store;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.FaultProxy;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A black-holed S3 endpoint (accepts connections, never answers) is detected by the destination's configured
 * {@code request-timeout}, not by a thread that hangs. Each call runs in a Future whose generous bound only turns a
 * hang into a test failure; no duration is asserted.
 */
class S3TimeoutTest {
    /** Far above three 2 s attempts plus backoff, far below the 60 s × retries the old fixed socket timeout allowed. */
    private static final long HANG_SECONDS = 60;

    static S3ProxyServer s3;
    static FaultProxy proxy;
    static LifeboatConfig config;
    static ObjectStore store;
    static final ExecutorService calls = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws IOException {
        s3 = S3ProxyServer.start();
        s3.createBucket("timeouts");
        proxy = FaultProxy.http("127.0.0.1", s3.port());
        String yaml = "destinations:\n" + s3.destinationYaml("s3", "timeouts", "black-hole").replace(s3.endpoint(), proxy.endpoint())
                + "    connect-timeout: 1s\n"
                + "    request-timeout: 2s\n"
                + "    part-size: 5MiB\n";
        config = TestConfigs.parse(yaml);
        store = ObjectStores.open(config.destinations().get("s3"));
    }

    @AfterAll
    static void stop() {
        calls.shutdownNow();
        if (store != null) {
            store.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @AfterEach
    void backToPass() {
        proxy.pass();
    }

    @Test
    void theTimeoutsAreReadFromTheDestination() {
        assertEquals(java.time.Duration.ofSeconds(1), config.destinations().get("s3").connectTimeout());
        assertEquals(java.time.Duration.ofSeconds(2), config.destinations().get("s3").requestTimeout());
    }

    @Test
    void aPutAndAListIntoABlackHoleFailNamingTheStoreAndTheTimeoutThenPassRecovers() throws Exception {
        store.putBytes("before", new byte[] {1}); // leaves a keep-alive connection that the black hole then holds
        proxy.blackhole();

        assertTimedOut(failure(() -> {
            store.putBytes("during", new byte[] {2});
            return null;
        }));
        assertTimedOut(failure(() -> store.list("")));

        proxy.pass();
        store.putBytes("after", new byte[] {3});
        try (InputStream in = store.get("after")) {
            assertArrayEquals(new byte[] {3}, in.readAllBytes());
        }
        assertTrue(store.list("").stream().anyMatch(o -> o.key().equals("before")));
    }

    @Test
    void aReachabilityCheckOfABlackHoleReportsUnreachable() throws Exception {
        Destinations destinations = new Destinations();
        destinations.config = new ActiveConfig();
        destinations.config.install(Path.of("timeouts.yml"), config);
        try {
            assertTrue(destinations.checkAll().get("s3").reachable());
            proxy.blackhole();
            Future<Destinations.Reachability> check = calls.submit(() -> destinations.checkAll().get("s3"));
            Destinations.Reachability r = bounded(check);
            assertFalse(r.reachable());
            assertTrue(r.error().contains("timed out"), r.error());
            assertTrue(r.error().contains("request-timeout 2s"), r.error());

            proxy.pass();
            assertTrue(bounded(calls.submit(() -> destinations.checkAll().get("s3"))).reachable());
        } finally {
            destinations.closeAll();
        }
    }

    private void assertTimedOut(Throwable e) {
        assertInstanceOf(IOException.class, e, () -> "an IOException, not " + e);
        assertTrue(e.getMessage().contains(store.describe()), e.getMessage());
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertTrue(e.getMessage().contains("request-timeout 2s"), e.getMessage());
    }

    /** What the call threw, run on another thread so that a hang fails the test instead of hanging it. */
    private static Throwable failure(Callable<?> call) throws InterruptedException {
        Future<?> f = calls.submit(call);
        try {
            f.get(HANG_SECONDS, TimeUnit.SECONDS);
            return fail("the call into the black hole succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            f.cancel(true);
            return fail("the call into the black hole still hangs after " + HANG_SECONDS + " s");
        }
    }

    private static <T> T bounded(Future<T> f) throws Exception {
        try {
            return f.get(HANG_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return fail("still hangs after " + HANG_SECONDS + " s");
        }
    }
}
