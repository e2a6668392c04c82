package dev.lifeboat.postgres;

import org.jboss.logging.Logger;

import java.io.InterruptedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * At most {@link #PER_SERVER} connections from this process to one PostgreSQL server (host and port), whatever runs
 * at once: a backup (its session and pg_dump), a drill (its maintenance connection and pg_restore or a check), the
 * health watch. A backup or drill {@linkplain #reserve reserves} all it will need before it opens anything (fair,
 * all at once, so two of them never deadlock holding one each); the health watch only {@linkplain #tryHold takes a
 * spare one} and gives it back as soon as anyone waits. Other processes (a {@code lifeboat backup} from a shell) have
 * their own budget.
 */
public final class PgConnectionBudget {
    private static final Logger LOG = Logger.getLogger(PgConnectionBudget.class);
    /** The most connections this process holds to one server. */
    public static final int PER_SERVER = 2;

    private static final Map<String, Server> SERVERS = new ConcurrentHashMap<>();

    private static final class Server {
        final Semaphore permits = new Semaphore(PER_SERVER, true);
        /** Holders of a spare connection that give it back when asked (the health watch's probes). */
        final Set<Runnable> yielders = ConcurrentHashMap.newKeySet();
    }

    /** Connections reserved by one operation; closing gives them back. */
    public interface Reservation extends AutoCloseable {
        @Override
        void close();
    }

    private PgConnectionBudget() {
    }

    private static Server server(PgUrl url) {
        return SERVERS.computeIfAbsent(url.host() + ":" + url.port(), k -> new Server());
    }

    /**
     * Waits until {@code count} (1 or 2) connections to {@code url}'s server are free and reserves them together; spare
     * connections held by the health watch are given back first. {@code who} is named in the log while waiting.
     */
    public static Reservation reserve(PgUrl url, int count, String who) throws InterruptedIOException {
        Server s = server(url);
        if (!s.permits.tryAcquire(count)) {
            s.yielders.forEach(Runnable::run);
            if (!s.permits.tryAcquire(count)) {
                LOG.infof("%s waits for a connection to %s:%d (the agent holds at most %d)", who, url.host(), url.port(), PER_SERVER);
                try {
                    s.permits.acquire(count);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException(who + " interrupted while waiting for a connection to " + url.host() + ":" + url.port());
                }
            }
        }
        boolean[] released = {false};
        return () -> {
            synchronized (released) {
                if (!released[0]) {
                    released[0] = true;
                    s.permits.release(count);
                }
            }
        };
    }

    /**
     * Takes one connection to {@code url}'s server if one is free and nobody waits; {@code giveBack} closes that
     * connection and calls {@link #giveBack}, and runs whenever a {@link #reserve} needs it. False: do without.
     */
    public static boolean tryHold(PgUrl url, Runnable giveBack) {
        Server s = server(url);
        if (s.permits.hasQueuedThreads() || !s.permits.tryAcquire()) {
            return false;
        }
        s.yielders.add(giveBack);
        return true;
    }

    /** Returns the connection taken with {@link #tryHold}; once per successful tryHold. */
    public static void giveBack(PgUrl url, Runnable giveBack) {
        Server s = server(url);
        if (s.yielders.remove(giveBack)) {
            s.permits.release();
        }
    }
}
