package dev.lifeboat.runtime;

import com.sun.management.GarbageCollectionNotificationInfo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Collects the old generation once it holds {@link #HEADROOM} more than its last collection left. Lifeboat runs on
 * the Serial collector (src/main/jvm/jvm.options), which collects the old generation only when it is full and, when a
 * large array does not fit there, grows it (up to -Xmx) instead: an upload's buffer of a few MiB is larger than the
 * small young generation and goes straight to the old one, so under a busy SQLite writer the heap grew to 70 MB around
 * 15 MB of live objects (bench/sqlite-replication.sh), and what the old generation took stayed resident, idle or not,
 * until a full collection. After each young collection this watch compares the old generation's use with what the
 * last full collection left, and past the headroom asks for a full collection (System.gc(): tens of milliseconds at
 * this heap size), which with -XX:-ShrinkHeapInSteps also hands the grown space back to the OS. A burst's buffers live
 * through a full collection taken during it (a pg_dump upload's parts, say) and die after it: the old generation's
 * use is then also compared with the least any full collection left, at most once a {@link #RECHECK}. It does nothing
 * on another collector. Long-lived runs only (the agent, {@code lifeboat run}): short commands end before it matters.
 */
@ApplicationScoped
public class OldGenerationWatch {
    private static final Logger LOG = Logger.getLogger(OldGenerationWatch.class);
    /** Garbage the old generation may gather before a full collection: about three upload buffers of 5 MiB. */
    static final long HEADROOM = 16L << 20;
    /** How often at most a full collection is asked for to clear what a burst left (see the class comment). */
    static final long RECHECK = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
    private static final String YOUNG = "Copy";
    private static final String OLD = "MarkSweepCompact";
    private static final String OLD_POOL = "Tenured Gen";

    /** Old generation's use after its last collection (at start: its use then). */
    private volatile long afterLastFull;
    /** The least a full collection left: about what the agent needs between bursts. */
    private volatile long leastAfterFull;
    private volatile long lastFullAt = System.nanoTime();
    private final AtomicBoolean collecting = new AtomicBoolean();
    private boolean installed;

    void onAgentStarted(@Observes AgentStarted started) {
        install();
    }

    /** Starts watching the Serial collector's collections; idempotent, and a no-op on another collector. */
    synchronized void install() {
        if (installed) {
            return;
        }
        MemoryPoolMXBean oldPool = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> OLD_POOL.equals(p.getName()))
                .findFirst().orElse(null);
        if (oldPool == null) {
            return; // not the Serial collector
        }
        afterLastFull = oldPool.getUsage().getUsed();
        leastAfterFull = afterLastFull;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter && (YOUNG.equals(gc.getName()) || OLD.equals(gc.getName()))) {
                emitter.addNotificationListener(this::collected,
                        n -> GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType()), null);
            }
        }
        installed = true;
    }

    private void collected(Notification notification, Object handback) {
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        MemoryUsage old = info.getGcInfo().getMemoryUsageAfterGc().get(OLD_POOL);
        if (old == null) {
            return;
        }
        long used = old.getUsed();
        if (OLD.equals(info.getGcName())) {
            afterLastFull = used;
            leastAfterFull = Math.min(leastAfterFull, used);
            lastFullAt = System.nanoTime();
            return;
        }
        boolean grew = used - afterLastFull > HEADROOM;
        boolean leftByABurst = used - leastAfterFull > HEADROOM && System.nanoTime() - lastFullAt > RECHECK;
        if ((grew || leftByABurst) && collecting.compareAndSet(false, true)) {
            // Not on the thread that delivers the notifications (the JVM's own): a collection blocks its caller.
            Thread.ofVirtual().name("lifeboat-old-gen-collect").start(() -> {
                try {
                    LOG.debugf("old generation at %d MiB, %d MiB after its last collection: collecting it", used >> 20,
                            afterLastFull >> 20);
                    System.gc();
                } finally {
                    collecting.set(false);
                }
            });
        }
    }
}
