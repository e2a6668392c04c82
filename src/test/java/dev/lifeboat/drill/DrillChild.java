package dev.lifeboat.drill;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.testing.ForwardingStore;
import dev.lifeboat.testing.TestConfigs;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

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
    static final class PausingStore extends ForwardingStore {
        private final Path marker;

        PausingStore(ObjectStore delegate, Path marker) {
            super(delegate);
            this.marker = marker;
        }

        @Override
        public InputStream get(String key) throws IOException {
            InputStream in = delegate.get(key);
            return key.startsWith("data/") ? new Pausing(in) : in;
        }

        @Override
        public void close() {
            delegate.close();
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
    }
}
