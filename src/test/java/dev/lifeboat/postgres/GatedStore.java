package dev.lifeboat.postgres;

import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.Upload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real store whose uploads stop after {@code pauseAfter} bytes until the test {@link #release()}s them: the
 * deterministic "middle of an upload" at which tests stop S3Proxy or kill the agent. Bytes before the pause have
 * really gone to the store (a multipart upload with at least one part is open).
 */
final class GatedStore implements ObjectStore {
    private final ObjectStore inner;
    private final long pauseAfter;
    private final Path pausedMarker;
    final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    GatedStore(ObjectStore inner, long pauseAfter, Path pausedMarker) {
        this.inner = inner;
        this.pauseAfter = pauseAfter;
        this.pausedMarker = pausedMarker;
    }

    void release() {
        released.countDown();
    }

    boolean awaitPaused() throws InterruptedException {
        return paused.await(2, TimeUnit.MINUTES);
    }

    @Override
    public Upload beginUpload(String key) throws IOException {
        Upload real = inner.beginUpload(key);
        return new Upload() {
            long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                real.write(b, off, len);
                written += len;
                if (written >= pauseAfter && paused.getCount() > 0) {
                    paused.countDown();
                    if (pausedMarker != null) {
                        Files.writeString(pausedMarker, "paused after " + written + " bytes\n");
                    }
                    try {
                        released.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted", e);
                    }
                }
            }

            @Override
            public ObjectInfo complete() throws IOException {
                return real.complete();
            }

            @Override
            public void abort() {
                real.abort();
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public boolean putIfAbsent(String key, byte[] content) throws IOException {
        return inner.putIfAbsent(key, content);
    }

    @Override
    public InputStream get(String key) throws IOException {
        return inner.get(key);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
        return inner.getRange(key, offset, length);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        return inner.stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return inner.list(prefix);
    }

    @Override
    public void deleteAll(Collection<String> keys) throws IOException {
        inner.deleteAll(keys);
    }

    @Override
    public int abortIncompleteUploads(String prefix, long olderThanMillis) throws IOException {
        return inner.abortIncompleteUploads(prefix, olderThanMillis);
    }

    @Override
    public void checkReachable() throws IOException {
        inner.checkReachable();
    }
}
