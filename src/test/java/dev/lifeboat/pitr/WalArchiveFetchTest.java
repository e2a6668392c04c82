package dev.lifeboat.pitr;

import dev.lifeboat.store.FileStore;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.ForwardingStore;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Fetching WAL while an archiver runs (a {@code --latest} restore beside the agent): the archiver stores a longer
 * partial of the segment in progress and deletes the one a restore has just chosen, between the restore's listing and
 * its read. The store is a real file destination; the archiver's step is played at that exact moment.
 */
class WalArchiveFetchTest {
    private static final int SEGMENT = 1 << 20;
    private static final String NAME = "000000010000000000000007";

    @Test
    void aPartialSupersededWhileChosenIsChosenAgain() throws Exception {
        Path dir = Files.createTempDirectory("lifeboat-wal-fetch-race");
        try {
            byte[] shorter = segment(4096);
            byte[] longer = segment(8192);
            WalArchive.Encoded first = WalArchive.encode(shorter, SEGMENT, Compression.ZSTD, List.of());
            WalArchive.Encoded second = WalArchive.encode(longer, SEGMENT, Compression.ZSTD, List.of());
            String firstKey = PitrLayout.partialKey(NAME, 4096, first.sha256(), Compression.ZSTD, false);
            String secondKey = PitrLayout.partialKey(NAME, 8192, second.sha256(), Compression.ZSTD, false);
            FileStore files = new FileStore(dir);
            files.putIfAbsent(firstKey, first.stored());
            AtomicBoolean archiverStepped = new AtomicBoolean();
            ObjectStore racing = new ForwardingStore(files) {
                @Override
                public InputStream get(String key) throws IOException {
                    if (key.equals(firstKey) && archiverStepped.compareAndSet(false, true)) {
                        // what WalArchiver does when its next partial is stored: put the longer one, delete the superseded one
                        delegate.putIfAbsent(secondKey, second.stored());
                        delegate.deleteAll(List.of(firstKey));
                    }
                    return delegate.get(key);
                }
            };
            byte[] served = new WalArchive(racing, List.of()).fetch(NAME).orElseThrow();
            assertArrayEquals(longer, served, "the longer partial that replaced the chosen one is served");
        } finally {
            ExternalProcess.run(List.of("rm", "-rf", dir.toString()), Duration.ofSeconds(30));
        }
    }

    private static byte[] segment(int filled) {
        byte[] b = new byte[SEGMENT];
        new Random(7).nextBytes(b);
        Arrays.fill(b, filled, SEGMENT, (byte) 0);
        return b;
    }
}
