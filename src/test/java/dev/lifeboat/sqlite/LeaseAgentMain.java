package dev.lifeboat.sqlite;

import dev.lifeboat.testing.TestConfigs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * An agent reduced to its SQLite replication service (lease included), run as a child JVM so that two of them can
 * share a bucket and one can be SIGKILLed: {@code LeaseAgentMain CONFIG_YAML}. Prints a status line every 100 ms:
 * {@code lease=<state> holder=<holder> generation=<g> syncs=<n> state=<replicator state>}. SIGTERM stops it cleanly
 * (final sync, lease released).
 */
public final class LeaseAgentMain {
    public static void main(String[] args) throws Exception {
        var config = TestConfigs.parse(Files.readString(Path.of(args[0])), System.getenv());
        ReplicationService service = new ReplicationService();
        service.registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.stop();
            System.out.println("stopped cleanly");
            System.out.flush();
            stopped.countDown();
        }));
        service.start(config);
        while (stopped.getCount() > 0) {
            var lease = service.lease("app").orElse(null);
            Replicator r = service.replicators().get("app");
            System.out.println("lease=" + (lease == null ? "none" : lease.state()) + " holder=" + (lease == null ? "" : lease.holder())
                    + " generation=" + (r == null ? null : r.stats().generation) + " syncs=" + (r == null ? 0 : r.stats().syncs.get())
                    + " state=" + (r == null ? "" : r.stats().state));
            System.out.flush();
            Thread.sleep(100);
        }
    }
}
