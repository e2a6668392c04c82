package dev.lifeboat.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One writer at a time for a place in a destination (a SQLite replica): a small JSON object ({@code lease.json})
 * created with {@link ObjectStore#putIfAbsent} and renewed, released or taken over with
 * {@link ObjectStore#replaceIfMatch} on the version last seen, so two agents can never both believe they hold it.
 *
 * <p>Time, and why no clocks are compared: the holder may write until two thirds of the TTL after its last renewal
 * <em>began</em> ({@link #mayWrite()}); it renews every third. Another agent takes over only after it has seen the
 * same version of the lease, unchanged, for a whole TTL by its own monotonic clock. Since that version was written
 * after the holder's renewal began, the holder has stopped writing a third of a TTL before anyone may take over,
 * whatever the two machines' wall clocks say. The {@code expires} field is for people and status only.
 *
 * <p>A clean stop releases the lease (rewrites it as released), which the next agent takes at once. The lease also
 * records the writer's {@code source} (machine and database file): an agent that takes the lease after another
 * source wrote is told so once ({@link #takeOverFrom()}), since its own shadow state may be older than the replica.
 *
 * <p>Thread-safe: {@link #refresh()} runs on a lease thread while the writer asks {@link #mayWrite()}.
 */
public final class WriterLease {
    /** The object's name inside the place it guards. */
    public static final String KEY = "lease.json";
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    /** The stored lease; {@code expires} is the holder's own estimate, shown to people. */
    @RegisterForReflection
    public record Record(String holder, String source, Instant renewedAt, Instant expires, boolean released) {
    }

    /**
     * The {@code lease} entry of a database in the status API.
     *
     * @param state   {@code held} (this agent writes), {@code standby} (another agent does; this one waits to take
     *                over) or {@code unknown} (the destination could not be read yet)
     * @param holder  who holds it: Fly machine id or host name, process id and start time
     * @param expires when the holder's lease runs out unless renewed, by the holder's clock
     * @param error   the last failure to read or write the lease, absent when there was none
     */
    @RegisterForReflection
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "ReplicaLease")
    public record Status(String state, String holder, Instant expires,
                         @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String error) {
    }

    private final ObjectStore store;
    private final String holder;
    private final String source;
    private final Duration ttl;
    private final LongSupplier nanoTime;

    private String version;
    /** While held: the monotonic time until which writing is allowed. */
    private volatile long writeUntil;
    private volatile boolean held;
    private volatile Record seen;
    private volatile String error;
    /** A standby's view of the other holder's lease: which version, first seen when. */
    private String watchedVersion;
    private long watchedSince;
    private volatile String takenOverFrom;

    public WriterLease(ObjectStore store, String holder, String source, Duration ttl) {
        this(store, holder, source, ttl, System::nanoTime);
    }

    WriterLease(ObjectStore store, String holder, String source, Duration ttl, LongSupplier nanoTime) {
        this.store = store;
        this.holder = holder;
        this.source = source;
        this.ttl = ttl;
        this.nanoTime = nanoTime;
    }

    /** This process as a lease holder: the Fly machine id (else the host name), the process id and its start time. */
    public static String thisProcess() {
        return THIS_PROCESS;
    }

    private static final String THIS_PROCESS = describeThisProcess();

    private static String describeThisProcess() {
        String machine = Optional.ofNullable(System.getenv("FLY_MACHINE_ID")).filter(s -> !s.isBlank()).orElseGet(WriterLease::hostName);
        ProcessHandle me = ProcessHandle.current();
        return machine + "/pid " + me.pid() + "/" + me.info().startInstant().map(Instant::toString).orElse("?");
    }

    /** The machine part of {@link #thisProcess()}, for a lease's {@code source}. */
    public static String thisMachine() {
        return thisProcess().substring(0, thisProcess().indexOf("/pid "));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    /** How often {@link #refresh()} should run: a third of the TTL. */
    public Duration renewInterval() {
        return ttl.dividedBy(3);
    }

    /** True while this agent holds the lease and its last renewal began less than two thirds of the TTL ago. */
    public boolean mayWrite() {
        return held && nanoTime.getAsLong() - writeUntil < 0;
    }

    /**
     * Takes, renews or watches the lease, once; returns {@link #mayWrite()}. A store failure keeps what was held
     * until it runs out (the next call tries again) and is shown in {@link #status()}.
     */
    public synchronized boolean refresh() {
        long start = nanoTime.getAsLong();
        try {
            if (held && version != null) {
                Optional<String> renewed = store.replaceIfMatch(KEY, version, encode(false));
                if (renewed.isPresent()) {
                    granted(start, renewed.get());
                    return mayWrite();
                }
                held = false; // replaced behind our back: someone took over (we were too slow to renew)
            }
            Optional<ObjectStore.Versioned> current = store.getVersioned(KEY);
            if (current.isEmpty()) {
                byte[] mine = encode(false);
                if (store.putIfAbsent(KEY, mine)) {
                    Optional<ObjectStore.Versioned> created = store.getVersioned(KEY);
                    if (created.isPresent() && Arrays.equals(created.get().content(), mine)) {
                        granted(start, created.get().version());
                    }
                }
                error = null;
                return mayWrite();
            }
            Record other = decode(current.get().content());
            boolean ours = holder.equals(other.holder()) && !other.released();
            // Our own record (a renewal that landed although its answer was lost, then retaking it failed) is nobody
            // else's lease: this agent does not stand by for itself, it waits to renew (status "unknown").
            seen = ours ? null : other;
            boolean free = other.released() || ours || deadOnThisMachine(other.holder());
            if (!free && !current.get().version().equals(watchedVersion)) {
                watchedVersion = current.get().version();
                watchedSince = start;
            }
            boolean expired = !free && start - watchedSince >= ttl.toNanos();
            if (free || expired) {
                Optional<String> taken = store.replaceIfMatch(KEY, current.get().version(), encode(false));
                if (taken.isPresent()) {
                    if (!source.equals(other.source())) {
                        takenOverFrom = other.holder() + (other.released() ? " (released)" : " (expired)");
                    }
                    granted(start, taken.get());
                }
            }
            error = null;
        } catch (IOException | RuntimeException e) {
            error = e.getMessage();
        }
        return mayWrite();
    }

    /**
     * True when {@code holder} names a process of this machine that no longer runs (or another process now has its
     * id): an agent restarted after a crash takes its own machine's lease at once instead of waiting out the TTL.
     */
    static boolean deadOnThisMachine(String holder) {
        String[] parts = holder == null ? new String[0] : holder.split("/pid ", 2);
        if (parts.length != 2 || !parts[0].equals(thisMachine())) {
            return false;
        }
        int slash = parts[1].indexOf('/');
        if (slash < 0) {
            return false;
        }
        try {
            long pid = Long.parseLong(parts[1].substring(0, slash));
            String started = parts[1].substring(slash + 1);
            return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(Instant::toString)
                    .map(s -> !s.equals(started)).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void granted(long start, String newVersion) {
        version = newVersion;
        writeUntil = start + ttl.toNanos() * 2 / 3;
        held = true;
        watchedVersion = null;
        seen = null;
        error = null;
    }

    /** Who held the lease before this agent took it from another source, once (then null); null if nobody did. */
    public String takeOverFrom() {
        String from = takenOverFrom;
        takenOverFrom = null;
        return from;
    }

    /** Gives the lease up at a clean stop (rewritten as released, so the next agent needs not wait); best effort. */
    public synchronized void release() {
        if (!held || version == null) {
            return;
        }
        held = false;
        try {
            store.replaceIfMatch(KEY, version, encode(true));
        } catch (IOException | RuntimeException e) {
            error = e.getMessage(); // it then expires on its own
        }
    }

    /** What status shows about the lease. */
    public Status status() {
        if (mayWrite()) {
            return new Status("held", holder, Instant.now().plus(ttl), error);
        }
        Record other = seen;
        if (other != null && !other.released()) {
            return new Status("standby", other.holder(), other.expires(), error);
        }
        return new Status("unknown", null, null, error);
    }

    private byte[] encode(boolean released) throws IOException {
        Instant now = Instant.now();
        return JSON.writeValueAsBytes(new Record(holder, source, now, released ? now : now.plus(ttl), released));
    }

    private Record decode(byte[] content) throws IOException {
        try {
            return JSON.readValue(content, Record.class);
        } catch (IOException e) {
            throw new IOException("unreadable " + KEY + " in " + store.describe() + ": " + e.getMessage(), e);
        }
    }
}
