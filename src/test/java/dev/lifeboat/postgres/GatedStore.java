package dev.lifeboat.postgres;

import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.testing.ForwardingStore;
import dev.lifeboat.store.Upload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real store whose uploads stop after {@code pauseAfter} bytes until the test {@link #release()}s them: the
 * deterministic "middle of an upload" at which tests stop S3Proxy or kill the agent. Bytes before the pause have
 * really gone to the store (a multipart upload with at least one part is open).
 */
final class GatedStore extends ForwardingStore {
    private final long pauseAfter;
    private final Path pausedMarker;
    final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    GatedStore(ObjectStore inner, long pauseAfter, Path pausedMarker) {
        super(inner);
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
        Upload real = delegate.beginUpload(key);
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
}
