package dev.lifeboat.runtime;

import dev.lifeboat.testing.LifeboatBinary;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Under the product's JVM flags (Serial collector, src/main/jvm), a stream of upload-sized buffers (larger than the
 * young generation, so allocated in the old one) does not grow the heap towards -Xmx: the watch has the old
 * generation collected once garbage gathers there. Without it, the old generation grew to 79 MiB for 12 MiB live.
 */
class OldGenerationWatchTest {
    @Test
    void uploadSizedGarbageDoesNotGrowTheOldGenerationTowardsTheHeapBound() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(LifeboatBinary.jvmOptions());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Allocator.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        String[] last = out.lines().reduce((a, b) -> b).orElse("").split(" ");
        assertTrue(last.length == 2 && last[0].equals("old-committed-max-mib"), out);
        int maxMib = Integer.parseInt(last[1]);
        assertTrue(maxMib <= 64, "the old generation grew to " + maxMib + " MiB for 12 MiB of live buffers (-Xmx128m): " + out);
    }

    /** Allocates 800 MiB of 4 MiB buffers, three alive at a time (an upload's parts), and prints the old generation's largest size. */
    public static final class Allocator {
        public static void main(String[] args) throws Exception {
            new OldGenerationWatch().install();
            MemoryPoolMXBean old = ManagementFactory.getMemoryPoolMXBeans().stream().filter(m -> m.getName().equals("Tenured Gen"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("not the Serial collector: check src/main/jvm/jvm.options"));
            List<byte[]> inFlight = new ArrayList<>();
            long max = 0;
            for (int i = 0; i < 200; i++) {
                byte[] buffer = new byte[4 << 20];
                buffer[buffer.length - 1] = 1;
                inFlight.add(buffer);
                if (inFlight.size() > 3) {
                    inFlight.removeFirst();
                }
                max = Math.max(max, old.getUsage().getCommitted());
                Thread.sleep(2); // an upload's pace, roughly: the watch's collection runs beside it
            }
            System.out.println("old-committed-max-mib " + (max >> 20));
        }
    }
}
