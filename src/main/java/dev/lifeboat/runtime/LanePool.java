package dev.lifeboat.runtime;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Many lanes of background work on a few named daemon threads, where a thread per lane (per database, say) would
 * keep dozens of threads for work that takes a few milliseconds a second.
 *
 * <p>A {@link Lane} runs its tasks one at a time, in the order given: a database's syncs never overlap, and a task
 * handed to its lane waits for the one running. Lanes run side by side on at most {@code maxThreads} threads, so a
 * lane stuck on an unreachable destination holds one thread and the other lanes go on. A thread is started only when
 * a lane is ready and no thread is free, and ends after {@link #KEEP_ALIVE} without work; the thread that went idle
 * last is handed the next lane, so the others can run out their time: an idle agent keeps one or two. Threads are
 * named {@code NAME-N}, with the lane they run appended while they run it (thread dumps say whose work hangs).
 * Schedules ({@link Lane#every}, {@link Lane#after}) are kept by one timer thread, {@code NAME-timer}, that only
 * hands tasks to lanes and never runs them.
 */
public final class LanePool {
    private static final Logger LOG = Logger.getLogger(LanePool.class);
    /** A thread idle this long ends (the next ready lane starts one again). */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(30);

    private final String name;
    private final int maxThreads;
    private final ScheduledExecutorService timer;
    // Guarded by this: lanes waiting for a thread, idle threads (most recently idle first), thread numbers in use.
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    private final ArrayDeque<Worker> idle = new ArrayDeque<>();
    private final BitSet numbers = new BitSet();
    private int threads;
    private boolean shutdown;

    /** A pool whose threads are named {@code name-1} to {@code name-maxThreads}; none runs until a lane has work. */
    public LanePool(String name, int maxThreads) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1: " + maxThreads);
        }
        this.name = name;
        this.maxThreads = maxThreads;
        this.timer = DaemonScheduler.named(name + "-timer");
    }

    /** A new lane; {@code laneName} is appended to a thread's name while it runs the lane's tasks. */
    public Lane lane(String laneName) {
        return new Lane(laneName);
    }

    /** Threads alive now (at most {@code maxThreads}; the timer thread is not counted). */
    public synchronized int threads() {
        return threads;
    }

    /**
     * Ends the timer (schedules are dropped) and every thread once it is idle; tasks still queued in lanes are not
     * run. Close and await the lanes first for a stop that lets their work finish.
     */
    public void shutdown() {
        timer.shutdownNow();
        synchronized (this) {
            shutdown = true;
            ready.clear();
            idle.forEach(w -> LockSupport.unpark(w.thread));
        }
    }

    /** Waits until every thread has ended after {@link #shutdown()}; false if some still runs a task after {@code timeout}. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!timer.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        synchronized (this) {
            while (threads > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
        return true;
    }

    /** Lane {@code lane} has a task to run: hand it to the thread idle last, or queue it and start a thread if allowed. */
    private void ready(Lane lane) {
        Worker wake = null;
        Worker start = null;
        synchronized (this) {
            if (shutdown) {
                return;
            }
            Worker w = idle.poll();
            if (w != null) {
                w.handed = lane;
                wake = w;
            } else {
                ready.add(lane);
                if (threads < maxThreads) {
                    threads++;
                    int n = numbers.nextClearBit(1);
                    numbers.set(n);
                    start = new Worker(n);
                }
            }
        }
        if (wake != null) {
            LockSupport.unpark(wake.thread);
        }
        if (start != null) {
            start.thread.start();
        }
    }

    /** The next lane for {@code w} to run, waiting up to {@link #KEEP_ALIVE}; null when the thread is to end. */
    private Lane next(Worker w) {
        long deadline = System.nanoTime() + KEEP_ALIVE.toNanos();
        while (true) {
            long left;
            synchronized (this) {
                if (w.handed != null) {
                    Lane lane = w.handed;
                    w.handed = null;
                    return lane;
                }
                Lane lane = ready.poll();
                if (lane != null) {
                    idle.remove(w);
                    return lane;
                }
                left = deadline - System.nanoTime();
                if (shutdown || left <= 0) {
                    idle.remove(w);
                    threads--;
                    numbers.clear(w.number);
                    notifyAll(); // awaitTermination
                    return null;
                }
                if (!idle.contains(w)) {
                    idle.push(w);
                }
            }
            LockSupport.parkNanos(this, left);
        }
    }

    private final class Worker implements Runnable {
        final int number;
        final Thread thread;
        /** The lane {@link #ready} handed this idle thread (guarded by the pool). */
        Lane handed;

        Worker(int number) {
            this.number = number;
            this.thread = new Thread(this, name + "-" + number);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            for (Lane lane = next(this); lane != null; lane = next(this)) {
                lane.runOne(thread);
            }
        }
    }

    /** Tasks run one at a time, in order, on the pool's threads. Thread-safe. */
    public final class Lane {
        private final String laneName;
        // Guarded by this.
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        /** A thread runs or will run this lane's next task (it is running, or queued in the pool). */
        private boolean scheduled;
        private boolean closed;

        private Lane(String laneName) {
            this.laneName = laneName;
        }

        /** Runs {@code task} after the lane's earlier tasks; throws {@link RejectedExecutionException} once closed. */
        public void execute(Runnable task) {
            boolean schedule;
            synchronized (this) {
                if (closed) {
                    throw new RejectedExecutionException(name + " " + laneName + " is closed");
                }
                tasks.add(task);
                schedule = !scheduled;
                scheduled = true;
            }
            if (schedule) {
                ready(this);
            }
        }

        /**
         * Runs {@code task} every {@code period} from {@code initialDelay} on until the returned future is cancelled or
         * the lane closed. A tick that comes while the previous one still waits for its turn is dropped: a lane that
         * fell behind (a long upload) runs the task once more at once, not once per tick it missed.
         */
        public ScheduledFuture<?> every(Duration initialDelay, Duration period, Runnable task) {
            AtomicBoolean waiting = new AtomicBoolean();
            return timer.scheduleAtFixedRate(() -> {
                if (waiting.compareAndSet(false, true)) {
                    execute(() -> { // once the lane is closed, its rejection ends the schedule
                        waiting.set(false);
                        task.run();
                    });
                }
            }, initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
        }

        /** Runs {@code task} once after {@code delay}; dropped if the lane is closed or the pool shut down by then. */
        public void after(Duration delay, Runnable task) {
            try {
                timer.schedule(() -> {
                    try {
                        execute(task);
                    } catch (RejectedExecutionException closedLane) {
                        // closed meanwhile: nothing to do
                    }
                }, delay.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException shutDown) {
                // the pool is shut down
            }
        }

        /** Takes no more tasks; those queued still run. */
        public synchronized void close() {
            closed = true;
        }

        /** Closes the lane and waits until its queued tasks have run; false if one still runs after {@code timeout}. */
        public boolean closeAndAwait(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (this) {
                closed = true;
                while (scheduled) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            }
            return true;
        }

        /** Runs the lane's next task on {@code thread}, then queues the lane again behind the others if it has more. */
        private void runOne(Thread thread) {
            Runnable task;
            synchronized (this) {
                task = tasks.poll();
            }
            if (task != null) {
                String threadName = thread.getName();
                thread.setName(threadName + " " + laneName);
                try {
                    task.run();
                } catch (Throwable t) {
                    // The task's own business; a lane keeps running its next tasks.
                    LOG.errorf(t, "%s %s: task failed", name, laneName);
                } finally {
                    thread.setName(threadName);
                }
            }
            boolean more;
            synchronized (this) {
                more = !tasks.isEmpty();
                scheduled = more;
                if (!more) {
                    notifyAll(); // closeAndAwait
                }
            }
            if (more) {
                ready(this);
            }
        }
    }
}
