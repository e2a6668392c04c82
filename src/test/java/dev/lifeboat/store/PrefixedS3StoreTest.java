package dev.lifeboat.store;

import dev.lifeboat.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;

/**
 * The object-store contract on a database's view of an S3 destination (S3Proxy). Its failures come from the store it
 * wraps, which names itself and the full key, prefix included.
 */
class PrefixedS3StoreTest extends ObjectStoreContract {
    static S3ProxyServer s3;
    static ObjectStore bucket;
    static ObjectStore unusableBucket;

    @BeforeAll
    static void start() throws IOException {
        s3 = S3ProxyServer.start();
        s3.createBucket("contract");
        bucket = ObjectStores.open(S3StoreTest.destination(s3, "contract", "prefix/in/bucket", false));
        unusableBucket = S3StoreTest.unreachable();
    }

    @AfterAll
    static void stop() {
        if (bucket != null) {
            bucket.close();
        }
        if (unusableBucket != null) {
            unusableBucket.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    /** S3Proxy decides If-Match in two steps (see the contract). */
    @Override
    protected boolean atomicConditionalReplace() {
        return false;
    }

    @Override
    protected ObjectStore store() {
        return new PrefixedStore(bucket, "app");
    }

    @Override
    protected ObjectStore unusableStore() {
        return new PrefixedStore(unusableBucket, "app");
    }

    @Override
    protected String storeName() {
        return bucket.describe();
    }

    @Override
    protected String unusableStoreName() {
        return unusableBucket.describe();
    }
}
