package dev.lifeboat.volume;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.TestConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A check that never finishes (a disk that stops answering) is itself reported, instead of the last healthy report. */
class VolumeMonitorHangTest {

    @Test
    void aHungCheckIsReportedAsProbeFailed(@TempDir Path dir) throws Exception {
        // The temp directory is presented as a mount of its own, so the first check is healthy.
        MountTable table = MountTable.parse("""
                27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
                90 27 0:99 / %s rw,relatime - tmpfs tmpfs rw
                """.formatted(dir.toRealPath()));
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger reads = new AtomicInteger();
        VolumeChecker.MountSource hangsAfterFirst = () -> {
            if (reads.incrementAndGet() > 1) {
                try {
                    release.await(60, TimeUnit.SECONDS); // the disk stops answering
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return table;
        };
        LifeboatConfig config = TestConfigs.parse("""
                volumes:
                  data: {path: %s, check-interval: 100ms}
                """.formatted(dir));
        VolumeMonitor monitor = new VolumeMonitor();
        monitor.registry = new SimpleMeterRegistry();
        try {
            monitor.start(config, name -> new VolumeChecker(name, config, hangsAfterFirst, null, null, Clock.systemUTC()));
            VolumeReport hung = null;
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < giveUp) {
                VolumeReport r = monitor.report("data").orElse(null);
                if (r != null && r.has(Condition.Kind.PROBE_FAILED)) {
                    hung = r;
                    break;
                }
                Thread.sleep(100);
            }
            if (hung == null) {
                fail("a hung check was never reported: " + monitor.report("data"));
            }
            assertEquals(1, hung.sequence(), "the only finished check is the first, healthy one");
            assertTrue(Reasons.of(hung, Condition.Kind.PROBE_FAILED).contains("has not finished"), hung.failing().toString());
            assertEquals(1.0, monitor.registry.get("lifeboat_volume_condition").tag("condition", "probe_failed").gauge().value());
        } finally {
            release.countDown();
            monitor.stop();
        }
    }
}
