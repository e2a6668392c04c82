package dev.lifeboat.runtime;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The one way Lifeboat's services get a background thread: single, named (thread dumps say whose), a daemon. */
public final class DaemonScheduler {
    private DaemonScheduler() {
    }

    /** A single-thread scheduler whose thread is the daemon {@code threadName}. */
    public static ScheduledExecutorService named(String threadName) {
        return Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, threadName);
            t.setDaemon(true);
            return t;
        });
    }
}
