package dev.lifeboat.drill;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.Upload;
import dev.lifeboat.testing.TestConfigs;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A PostgreSQL drill in a process of its own that stops in the middle of downloading the backup — after its scratch
 * database exists and pg_restore runs — writing a marker file, so that {@link PostgresDrillTest} can SIGKILL it
 * there. Args: CONFIG DATABASE MARKER.
 */
public final class DrillChild {
    public static void main(String[] args) throws Exception {
        LifeboatConfig config = TestConfigs.parse(Files.readString(Path.of(args[0])));
        String db = args[1];
        Path marker = Path.of(args[2]);
        try (ObjectStore store = new PausingStore(DrillService.storeFor(config, db), marker)) {
            new PostgresDrill(PgTools.standard()).run(new DrillRun("20261123T000000Z-c0ffee", db, config, store, Instant.now()));
        }
        System.exit(3); // never released: reaching this line is a test failure
    }

    /** Delegates everything; reads of {@code data/} objects stop for good after 4 KiB. */
    static final class PausingStore implements ObjectStore {
        private final ObjectStore delegate;
        private final Path marker;

        PausingStore(ObjectStore delegate, Path marker) {
            this.delegate = delegate;
            this.marker = marker;
        }

        @Override
        public InputStream get(String key) throws IOException {
            InputStream in = delegate.get(key);
            return key.startsWith("data/") ? new Pausing(in) : in;
        }

        private final class Pausing extends FilterInputStream {
            private long count;

            Pausing(InputStream in) {
                super(in);
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (count >= 4096) {
                    Files.writeString(marker, "paused");
                    while (true) {
                        try {
                            Thread.sleep(60_000);
                        } catch (InterruptedException e) {
                            // keep holding: only SIGKILL ends this process
                        }
                    }
                }
                int n = super.read(b, off, Math.min(len, 1024));
                count += Math.max(0, n);
                return n;
            }
        }

        @Override
        public String describe() {
            return delegate.describe();
        }

        @Override
        public Upload beginUpload(String key) throws IOException {
            return delegate.beginUpload(key);
        }

        @Override
        public boolean putIfAbsent(String key, byte[] content) throws IOException {
            return delegate.putIfAbsent(key, content);
        }

        @Override
        public InputStream getRange(String key, long offset, long length) throws IOException {
            return delegate.getRange(key, offset, length);
        }

        @Override
        public Optional<ObjectInfo> stat(String key) throws IOException {
            return delegate.stat(key);
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws IOException {
            return delegate.list(prefix);
        }

        @Override
        public void deleteAll(Collection<String> keys) throws IOException {
            delegate.deleteAll(keys);
        }

        @Override
        public int abortIncompleteUploads(String prefix, long olderThanMillis) throws IOException {
            return delegate.abortIncompleteUploads(prefix, olderThanMillis);
        }

        @Override
        public void checkReachable() throws IOException {
            delegate.checkReachable();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
