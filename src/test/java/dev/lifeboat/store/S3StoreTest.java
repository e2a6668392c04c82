package dev.lifeboat.store;

import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The object-store contract against a real S3-compatible server (S3Proxy), plus S3-specific behaviour. */
class S3StoreTest extends ObjectStoreContract {
    static S3ProxyServer s3;
    static ObjectStore store;
    static ObjectStore unusable;

    @BeforeAll
    static void start() throws IOException {
        s3 = S3ProxyServer.start();
        s3.createBucket("contract");
        store = ObjectStores.open(destination("contract", "prefix/in/bucket", false));
        unusable = unreachable();
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (unusable != null) {
            unusable.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    static dev.lifeboat.config.DestinationConfig destination(String bucket, String prefix, boolean create) {
        return destination(s3, bucket, prefix, create);
    }

    static dev.lifeboat.config.DestinationConfig destination(S3ProxyServer server, String bucket, String prefix, boolean create) {
        String yaml = "destinations:\n" + server.destinationYaml("s3", bucket, prefix)
                + "    part-size: 5MiB\n    create-bucket: " + create + "\n";
        return TestConfigs.parse(yaml).destinations().get("s3");
    }

    /** A store on a port nothing listens on, with the test server's credentials (which no message may show). */
    static ObjectStore unreachable() throws IOException {
        String yaml = "destinations:\n  d:\n    url: s3://nowhere/x\n    endpoint: http://127.0.0.1:1\n    path-style: true\n"
                + "    access-key-id: " + S3ProxyServer.ACCESS_KEY + "\n    secret-access-key: " + S3ProxyServer.SECRET_KEY + "\n";
        return ObjectStores.open(TestConfigs.parse(yaml).destinations().get("d"));
    }

    /** S3Proxy decides If-Match in two steps (see the contract). */
    @Override
    protected boolean atomicConditionalReplace() {
        return false;
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Override
    protected ObjectStore unusableStore() {
        return unusable;
    }

    @Test
    void objectsLiveUnderTheDestinationPrefix() throws IOException {
        store.putBytes(p + "x", new byte[] {1});
        assertTrue(s3.dataDir().resolve("contract").toFile().exists());
        try (ObjectStore root = ObjectStores.open(destination("contract", "", false))) {
            assertTrue(root.stat("prefix/in/bucket/" + p + "x").isPresent());
        }
    }

    @Test
    void aDatabasesViewDescribesItsOwnLocation() {
        assertEquals("s3://contract/prefix/in/bucket/app/ at " + s3.endpoint(), new PrefixedStore(store, "app").describe());
    }

    /** A drill or a restore opens a store of its own per run: hundreds over days must not leave threads behind. */
    @Test
    void storesOpenedForOneTaskLeaveNoThreadsBehind() throws IOException {
        long before = sdkThreads();
        for (int i = 0; i < 12; i++) {
            try (ObjectStore own = ObjectStores.openUnder(destination("contract", "prefix/in/bucket", false), "app/")) {
                own.putBytes(p + "task-" + i, new byte[] {1}); // a call arms the SDK's attempt timer
                assertTrue(own.stat(p + "task-" + i).isPresent());
            }
        }
        assertEquals(before, sdkThreads(), "threads of the SDK's own timer pools");
    }

    private static long sdkThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("sdk-")).count();
    }

    @Test
    void missingBucketIsReportedByName() throws IOException {
        try (ObjectStore missing = ObjectStores.open(destination("no-such-bucket", "", false))) {
            IOException e = assertThrows(IOException.class, missing::checkReachable);
            assertTrue(e.getMessage().contains("no-such-bucket"), e.getMessage());
            assertTrue(e.getMessage().contains("create-bucket"), e.getMessage());
        }
    }

    @Test
    void missingBucketIsCreatedWhenConfigured() throws IOException {
        try (ObjectStore created = ObjectStores.open(destination("made-by-lifeboat", "", true))) {
            created.checkReachable();
            created.putBytes("k", new byte[] {7});
            assertTrue(created.stat("k").isPresent());
        }
    }

    @Test
    void unreachableServerNamesTheEndpointAndNoSecret() throws IOException {
        String yaml = "destinations:\n  d:\n    url: s3://nowhere/x\n    endpoint: http://127.0.0.1:1\n    path-style: true\n"
                + "    access-key-id: AKIDEXAMPLE\n    secret-access-key: super-secret-value\n";
        try (ObjectStore down = ObjectStores.open(TestConfigs.parse(yaml).destinations().get("d"))) {
            IOException e = assertThrows(IOException.class, down::checkReachable);
            assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
            assertFalse(e.getMessage().contains("super-secret-value"));
        }
    }
}
