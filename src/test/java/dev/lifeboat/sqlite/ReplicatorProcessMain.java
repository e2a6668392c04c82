package dev.lifeboat.sqlite;

import dev.lifeboat.store.FileStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A replicating agent reduced to its SQLite part, run as a child JVM by the crash tests so it can be SIGKILLed:
 * {@code ReplicatorProcessMain DB REPLICA_DIR SYNC_MS CHECKPOINT_PAGES SNAPSHOT_MS}. SIGTERM makes a final sync.
 */
public final class ReplicatorProcessMain {
    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        long syncMs = Long.parseLong(args[2]);
        var settings = new Replicator.Settings(Duration.ofMillis(Long.parseLong(args[4])), Duration.ofHours(1),
                Integer.parseInt(args[3]), 64L << 20);
        Replicator r = new Replicator("app", db, new FileStore(Path.of(args[1])), settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Object lock = new Object();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (lock) {
                r.finalSync(false);
                System.out.println("final sync done: " + r.stats().status());
            }
            stopped.countDown();
        }));
        while (stopped.getCount() > 0) {
            synchronized (lock) {
                r.sync();
            }
            System.out.println("synced " + r.stats().generation + " " + r.stats().index + " " + r.stats().offset);
            Thread.sleep(syncMs);
        }
    }
}
