package dev.lifeboat.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingSupplier;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one contract every {@link ObjectStore} honours, run against each implementation (and {@link PrefixedStore} over
 * them). Each test works under a fresh random prefix so implementations can share one backing store across tests.
 */
public abstract class ObjectStoreContract {
    /** Part size the implementation under test uses; objects larger than this exercise multipart paths. */
    protected static final int PART_SIZE = 5 * 1024 * 1024;

    /** The store under test, already scoped to an empty area. */
    protected abstract ObjectStore store();

    /**
     * A store of the same kind whose every call fails (a server that does not answer, a directory that cannot exist),
     * configured with the test server's credentials so that messages can be checked for them.
     */
    protected abstract ObjectStore unusableStore() throws IOException;

    /** What a message must contain to name {@link #store()}: where it is, by default its own description. */
    protected String storeName() {
        return store().describe();
    }

    /** What a message must contain to name {@link #unusableStore()}. */
    protected String unusableStoreName() throws IOException {
        return unusableStore().describe();
    }

    /**
     * Whether two concurrent {@link ObjectStore#replaceIfMatch} calls naming one version are decided atomically by the
     * backing store. AWS S3 documents If-Match writes as atomic; S3Proxy 4.1.0 compares the ETag and writes in two
     * steps (3 of 8 concurrent replaces of one version won here), so its tests override this and check the
     * sequential contract only.
     */
    protected boolean atomicConditionalReplace() {
        return true;
    }

    protected String p;

    @BeforeEach
    void freshPrefix() {
        p = "t-" + UUID.randomUUID() + "/";
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void smallObjectRoundTrips() throws IOException {
        byte[] data = "hello lifeboat".getBytes();
        ObjectInfo info = store().putBytes(p + "a/b.txt", data);
        assertEquals(p + "a/b.txt", info.key());
        assertEquals(data.length, info.size());
        assertArrayEquals(data, readAll(store().get(p + "a/b.txt")));
    }

    @Test
    void emptyObjectRoundTrips() throws IOException {
        store().putBytes(p + "empty", new byte[0]);
        assertEquals(0, store().stat(p + "empty").orElseThrow().size());
        assertArrayEquals(new byte[0], readAll(store().get(p + "empty")));
    }

    @Test
    void streamOfUnknownLengthAboveThePartSizeRoundTrips() throws Exception {
        byte[] data = random(PART_SIZE * 2 + 12345, 1);
        ObjectInfo info = store().put(p + "big.bin", out -> {
            // Odd-sized writes so parts never align with the caller's buffers.
            for (int off = 0; off < data.length; off += 77_777) {
                out.write(data, off, Math.min(77_777, data.length - off));
            }
        });
        assertEquals(data.length, info.size());
        assertEquals(sha256(data), sha256(readAll(store().get(p + "big.bin"))));
        assertEquals(data.length, store().stat(p + "big.bin").orElseThrow().size());
    }

    @Test
    void producerFailureAbortsAndLeavesNothing() throws IOException {
        byte[] data = random(PART_SIZE + 1000, 2);
        IOException thrown = assertThrows(IOException.class, () -> store().put(p + "broken.bin", out -> {
            out.write(data);
            throw new IOException("pg_dump died");
        }));
        assertEquals("pg_dump died", thrown.getMessage());
        assertTrue(store().stat(p + "broken.bin").isEmpty(), "no object after a failed producer");
        assertTrue(store().list(p).isEmpty(), "nothing listed after a failed producer");
        assertEquals(0, store().abortIncompleteUploads(p, 0), "no multipart upload or temp file left behind");
    }

    @Test
    void runtimeExceptionInProducerAlsoAborts() throws IOException {
        assertThrows(IllegalStateException.class, () -> store().put(p + "x", out -> {
            out.write(random(PART_SIZE + 10, 3));
            throw new IllegalStateException("bug");
        }));
        assertTrue(store().list(p).isEmpty());
        assertEquals(0, store().abortIncompleteUploads(p, 0));
    }

    @Test
    void closingWithoutCompletingAborts() throws IOException {
        try (Upload upload = store().beginUpload(p + "never")) {
            upload.write(random(1000, 4));
        }
        assertTrue(store().stat(p + "never").isEmpty());
        assertEquals(0, store().abortIncompleteUploads(p, 0));
    }

    @Test
    void leftoverOfAKilledUploadIsRemovedByAbortIncompleteUploads() throws IOException {
        Upload abandoned = store().beginUpload(p + "killed.bin");
        abandoned.write(random(PART_SIZE + 10, 5)); // multipart started, never completed: as if the process died
        assertTrue(store().list(p).isEmpty(), "an upload in progress is not listed");
        assertTrue(store().abortIncompleteUploads(p, 0) >= 1, "the leftover is found");
        assertEquals(0, store().abortIncompleteUploads(p, 0), "and gone");
        assertTrue(store().list(p).isEmpty());
    }

    @Test
    void abortIncompleteUploadsSparesRecentUploads() throws IOException {
        try (Upload inProgress = store().beginUpload(p + "busy.bin")) {
            inProgress.write(random(PART_SIZE + 10, 6));
            assertEquals(0, store().abortIncompleteUploads(p, 3_600_000), "an upload younger than the cutoff is someone's live work");
            inProgress.write(random(10, 7));
            inProgress.complete();
        }
        assertEquals(PART_SIZE + 20, store().stat(p + "busy.bin").orElseThrow().size());
    }

    @Test
    void putReplacesAnExistingObject() throws IOException {
        store().putBytes(p + "k", "one".getBytes());
        store().putBytes(p + "k", "two!".getBytes());
        assertArrayEquals("two!".getBytes(), readAll(store().get(p + "k")));
    }

    @Test
    void putIfAbsentCreatesOnceAndNeverOverwrites() throws IOException {
        assertTrue(store().putIfAbsent(p + "lease", "first".getBytes()));
        assertFalse(store().putIfAbsent(p + "lease", "second".getBytes()));
        assertArrayEquals("first".getBytes(), readAll(store().get(p + "lease")));
    }

    @Test
    void putIfAbsentFindingItsOwnContentCountsAsCreated() throws IOException {
        // What a retried request sees when its first attempt reached the store but the response was lost.
        assertTrue(store().putIfAbsent(p + "manifest", "id-42".getBytes()));
        assertTrue(store().putIfAbsent(p + "manifest", "id-42".getBytes()), "identical content is this writer's own earlier attempt");
        assertFalse(store().putIfAbsent(p + "manifest", "id-43".getBytes()));
    }

    @Test
    void concurrentPutIfAbsentHasExactlyOneWinner() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] content = ("writer-" + i).getBytes();
                Callable<Boolean> attempt = () -> store().putIfAbsent(p + "race", content);
                results.add(pool.submit(attempt));
            }
            int winners = 0;
            for (Future<Boolean> f : results) {
                winners += f.get() ? 1 : 0;
            }
            assertEquals(1, winners);
            assertTrue(new String(readAll(store().get(p + "race"))).startsWith("writer-"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void replaceIfMatchReplacesOnlyTheVersionItNames() throws IOException {
        assertTrue(store().getVersioned(p + "lease").isEmpty());
        assertTrue(store().replaceIfMatch(p + "lease", "\"no-such-version\"", "x".getBytes()).isEmpty(), "nothing to replace");
        assertTrue(store().stat(p + "lease").isEmpty(), "a failed replace creates nothing");
        assertTrue(store().putIfAbsent(p + "lease", "holder-a 1".getBytes()));
        ObjectStore.Versioned first = store().getVersioned(p + "lease").orElseThrow();
        assertArrayEquals("holder-a 1".getBytes(), first.content());

        String second = store().replaceIfMatch(p + "lease", first.version(), "holder-a 2".getBytes()).orElseThrow();
        assertFalse(second.equals(first.version()));
        assertEquals(second, store().getVersioned(p + "lease").orElseThrow().version());
        assertTrue(store().replaceIfMatch(p + "lease", first.version(), "holder-b 1".getBytes()).isEmpty(), "a stale version loses");
        assertArrayEquals("holder-a 2".getBytes(), readAll(store().get(p + "lease")));
        assertEquals(java.util.Optional.of(second), store().replaceIfMatch(p + "lease", first.version(), "holder-a 2".getBytes()),
                "finding its own content is a retried request's own replacement");
    }

    @Test
    void concurrentReplaceIfMatchHasExactlyOneWinner() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(atomicConditionalReplace(), "the test server decides If-Match in two steps");
        assertTrue(store().putIfAbsent(p + "race", "start".getBytes()));
        String version = store().getVersioned(p + "race").orElseThrow().version();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<java.util.Optional<String>>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] content = ("taker-" + i).getBytes();
                results.add(pool.submit(() -> store().replaceIfMatch(p + "race", version, content)));
            }
            int winners = 0;
            for (Future<java.util.Optional<String>> f : results) {
                winners += f.get().isPresent() ? 1 : 0;
            }
            assertEquals(1, winners);
            assertTrue(new String(readAll(store().get(p + "race"))).startsWith("taker-"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rangesReturnTheRequestedBytes() throws IOException {
        byte[] data = random(10_000, 8);
        store().putBytes(p + "r", data);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 100, 350), readAll(store().getRange(p + "r", 100, 250)));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 9_990, 10_000), readAll(store().getRange(p + "r", 9_990, 500)),
                "a range past the end returns what exists");
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, 1), readAll(store().getRange(p + "r", 0, 1)));
    }

    @Test
    void missingObjectsAreReportedAsSuch() throws IOException {
        assertThrows(NoSuchObjectException.class, () -> store().get(p + "absent"));
        assertThrows(NoSuchObjectException.class, () -> store().getRange(p + "absent", 0, 10));
        assertTrue(store().stat(p + "absent").isEmpty());
    }

    @Test
    void listIsCompleteSortedAndScopedToThePrefixBeyondOneThousandKeys() throws Exception {
        int count = 1_105;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = p + "many/" + String.format("%05d", i);
                writes.add(pool.submit(() -> {
                    try {
                        return store().putBytes(key, new byte[] {1});
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
            }
            for (Future<?> f : writes) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        store().putBytes(p + "manyother", new byte[] {2});
        store().putBytes(p + "other/x", new byte[] {3});

        List<ObjectInfo> listed = store().list(p + "many/");
        assertEquals(count, listed.size());
        List<String> expected = IntStream.range(0, count).mapToObj(i -> p + "many/" + String.format("%05d", i)).toList();
        assertEquals(expected, listed.stream().map(ObjectInfo::key).toList());
        assertEquals(1, listed.getFirst().size());

        store().deleteAll(listed.stream().map(ObjectInfo::key).toList());
        assertTrue(store().list(p + "many/").isEmpty(), "deleteAll beyond one batch removes everything");
        assertEquals(List.of(p + "manyother", p + "other/x"), store().list(p).stream().map(ObjectInfo::key).toList());
    }

    @Test
    void deleteAllIgnoresMissingKeys() throws IOException {
        store().putBytes(p + "d1", new byte[] {1});
        store().deleteAll(List.of(p + "d1", p + "does-not-exist"));
        assertTrue(store().list(p).isEmpty());
    }

    @Test
    void everyFailingCallNamesTheStoreAndNoSecret() throws IOException {
        ObjectStore broken = unusableStore();
        Map<String, ThrowingSupplier<?>> calls = new LinkedHashMap<>();
        calls.put("putBytes", () -> broken.putBytes(p + "k", new byte[] {1}));
        calls.put("put above the part size", () -> broken.put(p + "big", out -> out.write(random(PART_SIZE + 10, 9))));
        calls.put("putIfAbsent", () -> broken.putIfAbsent(p + "lease", new byte[] {1}));
        calls.put("getVersioned", () -> broken.getVersioned(p + "k"));
        calls.put("replaceIfMatch", () -> broken.replaceIfMatch(p + "k", "v", new byte[] {1}));
        calls.put("get", () -> broken.get(p + "k"));
        calls.put("getRange", () -> broken.getRange(p + "k", 0, 10));
        calls.put("stat", () -> broken.stat(p + "k"));
        calls.put("list", () -> broken.list(p));
        calls.put("deleteAll", () -> {
            broken.deleteAll(List.of(p + "k"));
            return null;
        });
        calls.put("abortIncompleteUploads", () -> broken.abortIncompleteUploads(p, 0));
        calls.put("checkReachable", () -> {
            broken.checkReachable();
            return null;
        });
        String name = unusableStoreName();
        calls.forEach((call, request) -> {
            IOException e = assertThrows(IOException.class, () -> request.get(), call + " on an unusable store");
            assertTrue(e.getMessage().contains(name), call + " names the store (" + name + "): " + e.getMessage());
            assertFalse(e.getMessage().contains(dev.lifeboat.testing.S3ProxyServer.SECRET_KEY), call + " shows no secret: " + e.getMessage());
        });
    }

    @Test
    void missingObjectErrorsNameTheStore() {
        IOException get = assertThrows(NoSuchObjectException.class, () -> store().get(p + "absent"));
        assertTrue(get.getMessage().contains(storeName()) && get.getMessage().contains(p + "absent"), get.getMessage());
        IOException range = assertThrows(NoSuchObjectException.class, () -> store().getRange(p + "absent", 0, 10));
        assertTrue(range.getMessage().contains(storeName()) && range.getMessage().contains(p + "absent"), range.getMessage());
    }

    @Test
    void reachableStoreSaysSo() throws IOException {
        store().checkReachable();
        assertFalse(store().describe().contains(dev.lifeboat.testing.S3ProxyServer.SECRET_KEY), "describe() never shows secrets");
    }
}
