package dev.lifeboat.runtime;

import org.jboss.logging.MDC;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run of a long operation (a backup, a drill, a snapshot, a volume check) as others may watch it while it runs:
 * when it started, its phase, the bytes it has moved so far and its outcome. The capability that does the work makes
 * one per run, scheduled or asked for, and keeps the running one, so that asking again joins it instead of starting a
 * second (the jobs API shows these; its job id is {@link #id}). Thread-safe; never holds secrets.
 *
 * @param <T> what a successful run produces (a manifest, a drill record...)
 */
public final class TrackedRun<T> {
    /** MDC keys set around a run's work: logs in JSON format carry them as fields. */
    public static final String MDC_DATABASE = "database";
    public static final String MDC_JOB = "job";

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Runs begun or finished so far, of every kind: what a cache of the status document watches (api/StatusCache). */
    private static final AtomicLong CHANGES = new AtomicLong();

    /** A run asked for: the one now running or queued ({@code joined}), or a fresh one. */
    public record Claim<T>(TrackedRun<T> run, boolean joined) {
    }

    private final String id;
    private final String kind;
    private final String subject;
    private final String trigger;
    private final Instant createdAt = Instant.now();
    private volatile Instant startedAt;
    private volatile Instant finishedAt;
    private volatile String phase = "queued";
    private final AtomicLong bytes = new AtomicLong();
    private final CompletableFuture<T> outcome = new CompletableFuture<>();

    /**
     * @param kind    {@code backup}, {@code drill}, {@code snapshot}, {@code volume-check}
     * @param subject the database (or null when the run is not about one database)
     * @param trigger {@code schedule} or {@code api} (who asked)
     */
    public TrackedRun(String kind, String subject, String trigger) {
        byte[] random = new byte[4];
        RANDOM.nextBytes(random);
        this.id = ID_TIME.format(createdAt) + "-" + HexFormat.of().formatHex(random);
        this.kind = kind;
        this.subject = subject;
        this.trigger = trigger;
    }

    public String id() {
        return id;
    }

    public String kind() {
        return kind;
    }

    public String subject() {
        return subject;
    }

    public String trigger() {
        return trigger;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** When the work began, null while queued. */
    public Instant startedAt() {
        return startedAt;
    }

    /** When the outcome was known, null before. */
    public Instant finishedAt() {
        return finishedAt;
    }

    public String phase() {
        return phase;
    }

    public long bytes() {
        return bytes.get();
    }

    /** Completes with the result, or exceptionally with the reason (its message is free of secrets). */
    public CompletableFuture<T> outcome() {
        return outcome;
    }

    /** The work begins now (in {@code phase}). */
    public void started(String phase) {
        begin(phase);
    }

    /**
     * Like {@link #started}, for a run queued where more than one thread may pick it up: true for the one that
     * begins it, false (nothing changes) when it already began.
     */
    public synchronized boolean begin(String phase) {
        if (startedAt != null) {
            return false;
        }
        startedAt = Instant.now();
        this.phase = phase;
        CHANGES.incrementAndGet();
        return true;
    }

    public void phase(String phase) {
        this.phase = phase;
    }

    /** {@code n} more bytes moved. */
    public void addBytes(long n) {
        bytes.addAndGet(n);
    }

    public void succeeded(T result) {
        finish();
        outcome.complete(result);
    }

    public void failed(Throwable reason) {
        finish();
        outcome.completeExceptionally(reason);
    }

    private synchronized void finish() {
        if (startedAt == null) {
            startedAt = Instant.now();
        }
        if (finishedAt == null) {
            finishedAt = Instant.now();
        }
        phase = "done";
        CHANGES.incrementAndGet();
    }

    /** How many runs have begun or finished in this process: a change means the status shows something new. */
    public static long changes() {
        return CHANGES.get();
    }

    /**
     * Sets the MDC keys {@link #MDC_DATABASE} (when there is a subject) and {@link #MDC_JOB} on this thread until the
     * returned scope is closed.
     */
    public LogScope logScope() {
        return LogScope.of(subject, id);
    }

    /** MDC fields set for a piece of work; closing restores what was there before. */
    public static final class LogScope implements AutoCloseable {
        private final Object previousDatabase;
        private final Object previousJob;

        private LogScope(String database, String job) {
            previousDatabase = MDC.get(MDC_DATABASE);
            previousJob = MDC.get(MDC_JOB);
            set(MDC_DATABASE, database);
            set(MDC_JOB, job);
        }

        /** {@code database} and {@code job} (either may be null: that key is then left as it was). */
        public static LogScope of(String database, String job) {
            return new LogScope(database, job);
        }

        private static void set(String key, String value) {
            if (value != null) {
                MDC.put(key, value);
            }
        }

        private static void restore(String key, Object value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }

        @Override
        public void close() {
            restore(MDC_DATABASE, previousDatabase);
            restore(MDC_JOB, previousJob);
        }
    }
}
