package dev.lifeboat.runtime;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LanePoolTest {
    @Test
    void aLaneRunsItsTasksOneAtATimeInOrderWhileLanesRunSideBySide() throws Exception {
        LanePool pool = new LanePool("lane-test-order", 4);
        try {
            List<LanePool.Lane> lanes = List.of(pool.lane("a"), pool.lane("b"), pool.lane("c"));
            List<List<Integer>> seen = new ArrayList<>();
            AtomicInteger[] running = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
            AtomicInteger overlaps = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(3 * 200);
            for (int l = 0; l < 3; l++) {
                seen.add(Collections.synchronizedList(new ArrayList<>()));
            }
            for (int i = 0; i < 200; i++) {
                for (int l = 0; l < 3; l++) {
                    int lane = l;
                    int n = i;
                    lanes.get(l).execute(() -> {
                        if (running[lane].incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        seen.get(lane).add(n);
                        Thread.onSpinWait();
                        running[lane].decrementAndGet();
                        done.countDown();
                    });
                }
            }
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals(0, overlaps.get(), "a lane's tasks never overlap");
            for (int l = 0; l < 3; l++) {
                assertEquals(java.util.stream.IntStream.range(0, 200).boxed().toList(), seen.get(l), "lane " + l + " keeps its order");
            }
            assertTrue(pool.threads() <= 4, "at most the pool's threads: " + pool.threads());
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(Duration.ofSeconds(10)));
        }
    }

    @Test
    void aBlockedLaneHoldsOneThreadAndTheOthersGoOn() throws Exception {
        LanePool pool = new LanePool("lane-test-blocked", 2);
        CountDownLatch release = new CountDownLatch(1);
        try {
            LanePool.Lane stuck = pool.lane("stuck");
            stuck.execute(() -> awaitQuietly(release));
            stuck.execute(() -> { }); // waits behind the stuck one
            LanePool.Lane other = pool.lane("other");
            CountDownLatch ran = new CountDownLatch(50);
            for (int i = 0; i < 50; i++) {
                other.execute(ran::countDown);
            }
            assertTrue(ran.await(30, TimeUnit.SECONDS), "the other lane's tasks ran while the stuck one held its thread");
            assertFalse(stuck.closeAndAwait(Duration.ofMillis(50)), "the stuck lane is still busy");
            assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> stuck.execute(() -> { }), "a closed lane takes no task");
            release.countDown();
            assertTrue(stuck.closeAndAwait(Duration.ofSeconds(30)), "its queued task ran once it was free");
        } finally {
            release.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(Duration.ofSeconds(10)));
        }
        assertEquals(List.of(), Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("lane-test-blocked")).toList(), "shutdown ends the threads and the timer");
    }

    @Test
    void aTickThatComesWhileTheLastOneWaitsIsDropped() throws Exception {
        LanePool pool = new LanePool("lane-test-ticks", 1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            LanePool.Lane lane = pool.lane("slow");
            AtomicInteger ticks = new AtomicInteger();
            CountDownLatch first = new CountDownLatch(1);
            var schedule = lane.every(Duration.ZERO, Duration.ofMillis(5), () -> {
                ticks.incrementAndGet();
                first.countDown();
                awaitQuietly(release); // the first tick takes "long": dozens of ticks come meanwhile
            });
            assertTrue(first.await(30, TimeUnit.SECONDS));
            Thread.sleep(500); // a hundred periods
            schedule.cancel(false);
            release.countDown();
            assertTrue(lane.closeAndAwait(Duration.ofSeconds(30)));
            assertEquals(2, ticks.get(), "the long tick, then one more for all those that came meanwhile");
        } finally {
            release.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(Duration.ofSeconds(10)));
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
