package dev.lifeboat.store;

import dev.lifeboat.alert.ReplicaLeaseRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease's timing on a real {@link FileStore} with hand-driven monotonic clocks (one per agent, as on two
 * machines): a standby takes over only after a whole TTL without a change, and the holder has stopped writing by then.
 */
class WriterLeaseTest {
    private static final Duration TTL = Duration.ofSeconds(30);
    @TempDir
    Path dir;

    @Test
    void theStandbyTakesOverOnlyAfterAWholeTtlUnchangedAndTheHolderHasStoppedWritingBefore() throws Exception {
        FileStore store = new FileStore(dir);
        AtomicLong clockA = new AtomicLong(1_000_000_000_000L);
        AtomicLong clockB = new AtomicLong(7); // the machines' clocks share nothing
        WriterLease a = new WriterLease(store, "machine-a/pid 1/t", "machine-a:/data/app.db", TTL, clockA::get);
        WriterLease b = new WriterLease(store, "machine-b/pid 2/t", "machine-b:/data/app.db", TTL, clockB::get);

        assertTrue(a.refresh(), "the first agent creates the lease");
        assertFalse(b.refresh(), "the second stands by");
        assertEquals("standby", b.status().state());
        assertEquals("machine-a/pid 1/t", b.status().holder());
        assertTrue(ReplicaLeaseRule.evaluate("app", b.status()).firing());
        assertFalse(ReplicaLeaseRule.evaluate("app", a.status()).firing());

        // A renews every third of the TTL: B, watching the lease change, never takes over.
        for (int i = 0; i < 6; i++) {
            clockA.addAndGet(TTL.toNanos() / 3);
            clockB.addAndGet(TTL.toNanos() / 3);
            assertTrue(a.refresh());
            assertFalse(b.refresh(), "renewed leases are never taken");
        }

        // A stops renewing (a stalled or partitioned agent): it stops writing two thirds of a TTL after its last renewal.
        clockA.addAndGet(TTL.toNanos() * 2 / 3 - 1);
        assertTrue(a.mayWrite());
        clockA.addAndGet(1);
        assertFalse(a.mayWrite(), "the holder stops writing before anyone may take over");

        clockB.addAndGet(TTL.toNanos() - 1);
        assertFalse(b.refresh(), "not before a whole TTL unchanged");
        clockB.addAndGet(1);
        assertTrue(b.refresh(), "taken over after a whole TTL unchanged");
        assertEquals("machine-a/pid 1/t (expired)", b.takeOverFrom());
        assertNull(b.takeOverFrom(), "said once");

        assertFalse(a.refresh(), "the old holder's renewal fails: it was replaced");
        assertEquals("standby", a.status().state());
        b.release();
        assertTrue(a.refresh(), "a released lease is taken at once");
        assertEquals("machine-b/pid 2/t (released)", a.takeOverFrom());
    }

    /**
     * The soak's S3 black hole: a renewal reached the store but its answer was lost (the attempt timed out), so the
     * lease's version moved on; the next renewal is refused and retaking the (own) lease fails too. The agent must not
     * stand by for itself (a standby lets go of the database): it waits to renew and takes its lease back.
     */
    @Test
    void aRenewalWhoseAnswerWasLostNeverMakesTheHolderStandByForItself() throws Exception {
        FileStore files = new FileStore(dir);
        boolean[] loseAnswers = {false};
        ObjectStore flaky = new dev.lifeboat.testing.ForwardingStore(files) {
            @Override
            public java.util.Optional<String> replaceIfMatch(String key, String version, byte[] content) throws java.io.IOException {
                java.util.Optional<String> result = delegate.replaceIfMatch(key, version, content);
                if (loseAnswers[0] && result.isPresent()) {
                    throw new java.io.IOException("Read timed out (the write landed)");
                }
                return result;
            }
        };
        AtomicLong clock = new AtomicLong(1_000_000_000_000L);
        WriterLease lease = new WriterLease(flaky, "machine-a/pid 1/t", "machine-a:/data/app.db", TTL, clock::get);
        assertTrue(lease.refresh());

        loseAnswers[0] = true;
        clock.addAndGet(TTL.toNanos() / 3);
        lease.refresh(); // the renewal lands, its answer is lost
        clock.addAndGet(TTL.toNanos() / 3);
        assertFalse(lease.refresh(), "refused (the version moved on), and retaking the own lease loses its answer too");
        assertEquals("unknown", lease.status().state(), "waiting to renew, not standing by for itself");
        assertNull(lease.status().holder());

        loseAnswers[0] = false;
        assertTrue(lease.refresh(), "its own lease is taken back once the store answers");
        assertNull(lease.takeOverFrom(), "from the same source: not a take-over");
    }
}
