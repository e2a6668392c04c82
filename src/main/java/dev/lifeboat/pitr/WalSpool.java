package dev.lifeboat.pitr;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The restore's WAL spool, {@code <data dir>/}{@value #DIR_NAME}: the WAL a restore will replay, fetched by this
 * process ahead of the server, a few files at a time, each verified (SHA-256 against its name, before it is decoded)
 * and installed whole (temporary name, fsync, rename), so that the server's {@code restore_command} (see
 * {@link #restoreCommand}) only moves a file into place instead of starting {@code lifeboat wal-fetch} (a JVM) for
 * each file. What pgBackRest's asynchronous archive-get does, in-process.
 *
 * <p>The spool directory holds, besides dot-files being written:
 * <ul>
 * <li>{@code <file>}: a verified WAL file of the plan ({@link WalPrefetchPlan}); the server moves segments out, copies
 *     history files (it reads them more than once). At most {@link #AHEAD} segments are spooled and not yet taken.
 * <li>{@code <file>.error}: the object serving {@code <file>} is damaged (or, for a file asked for, could not be
 *     fetched); the message names it, and the restore_command prints it and exits 129, which stops recovery.
 * <li>{@value #PID_FILE}: while this process answers requests (the server runs beside it: {@code --start}, drills),
 *     its pid. The restore_command then asks for a file the spool lacks by creating {@code <file>.want} and waits for
 *     {@code <file>}, {@code <file>.error} or {@code <file>.absent} (the archive has none: exit 1, recovery ends), as
 *     long as this process lives. Those files are looked up when asked, so partial segments and the end of the archive
 *     are exactly what {@code lifeboat wal-fetch} would find at that moment.
 * </ul>
 * Anything else (no spool, this process gone) falls back to {@code lifeboat wal-fetch}. The server's
 * {@code recovery_end_command} deletes the directory when recovery ends; a restore that waits for the server deletes it
 * too.
 */
public final class WalSpool implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WalSpool.class);
    /** The spool's directory under the data directory. */
    public static final String DIR_NAME = "lifeboat-wal-spool";
    /** Most segments spooled and not taken by the server yet (512 MiB of 16 MiB segments): bounds the spool's disk. */
    static final int AHEAD = 32;
    /** Downloads at a time for the plan; requests of the server have their own. Each holds 128 KiB of buffers. */
    static final int PREFETCH_THREADS = 2;
    static final int REQUEST_THREADS = 2;
    static final String PID_FILE = "lifeboat.pid";
    private static final long POLL_MILLIS = 20;

    private enum State { QUEUED, RUNNING, SPOOLED, ERROR, ABSENT, FAILED }

    private final WalArchive archive;
    private final Path dir;
    private final UserPrincipal owner;
    private final boolean serving;
    /** Plan objects not started yet, in plan order; only the coordinator thread touches it. */
    private final LinkedHashMap<String, WalObject> queue = new LinkedHashMap<>();
    private final Map<String, State> states = new ConcurrentHashMap<>();
    /** Downloads running: all, and those of the plan alone. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger prefetching = new AtomicInteger();
    /** Plan segments started and not yet taken by the server (nor failed); counted by the coordinator alone. */
    private final AtomicInteger window = new AtomicInteger();
    private final AtomicInteger spooled = new AtomicInteger();
    private final ExecutorService prefetch = Executors.newFixedThreadPool(PREFETCH_THREADS, Thread.ofPlatform().daemon().name("wal-spool-prefetch-", 0).factory());
    private final ExecutorService requests = Executors.newFixedThreadPool(REQUEST_THREADS, Thread.ofPlatform().daemon().name("wal-spool-request-", 0).factory());
    private final Thread coordinator;
    private volatile boolean closed;

    private WalSpool(WalArchive archive, Path dir, UserPrincipal owner, List<WalObject> plan, boolean serving) {
        this.archive = archive;
        this.dir = dir;
        this.owner = owner;
        this.serving = serving;
        plan.forEach(o -> queue.put(o.fileName(), o));
        plan.forEach(o -> states.put(o.fileName(), State.QUEUED));
        this.coordinator = Thread.ofPlatform().daemon().name("wal-spool").unstarted(this::coordinate);
    }

    /** The spool directory of a data directory. */
    public static Path dir(Path dataDir) {
        return dataDir.resolve(DIR_NAME);
    }

    /**
     * Creates the spool in {@code dataDir} (owned by {@code owner}, the server's OS user, when not null) and starts
     * fetching {@code plan}. {@code serving}: answer the server's requests until {@link #close()}; otherwise fetch
     * until the plan is done or {@link #AHEAD} segments are spooled ({@link #awaitFilled()}), for a server started later.
     */
    public static WalSpool start(WalArchive archive, Path dataDir, UserPrincipal owner, List<WalObject> plan, boolean serving) throws IOException {
        Path dir = dir(dataDir);
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        if (owner != null) {
            Files.setOwner(dir, owner);
        }
        WalSpool spool = new WalSpool(archive, dir, owner, plan, serving);
        if (serving) {
            spool.marker(PID_FILE, Long.toString(ProcessHandle.current().pid()));
        }
        spool.coordinator.start();
        return spool;
    }

    /** Waits until a spool that does not serve has fetched what it will; returns how many files it holds. */
    public int awaitFilled() throws IOException {
        try {
            coordinator.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while prefetching WAL");
        }
        return spooled.get();
    }

    /** Files installed in the spool so far. */
    public int spooledCount() {
        return spooled.get();
    }

    /** Stops fetching and answering (the restore_command falls back to wal-fetch from then on); the files stay. */
    @Override
    public void close() {
        closed = true;
        try {
            Files.deleteIfExists(dir.resolve(PID_FILE));
        } catch (IOException e) {
            LOG.debugf("cannot delete %s: %s", dir.resolve(PID_FILE), e.getMessage());
        }
        coordinator.interrupt();
        prefetch.shutdownNow();
        requests.shutdownNow();
        try {
            coordinator.join(TimeUnit.SECONDS.toMillis(30));
            prefetch.awaitTermination(30, TimeUnit.SECONDS);
            requests.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes the spool of {@code dataDir} (after {@link #close()}); nothing when there is none. */
    public static void remove(Path dataDir) {
        Path dir = dir(dataDir);
        BaseBackupUnpacker.empty(dir);
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.warnf("cannot delete the WAL spool %s: %s", dir, e.getMessage());
        }
    }

    /**
     * The {@code restore_command} of a server recovering {@code dataDir} with a spool (see the class comment), for
     * {@code /bin/sh}: serves {@code %f} from the spool, asks this process for it while it runs, and otherwise runs
     * {@code fallback} (the {@code lifeboat wal-fetch} command, with its own {@code %f %p}).
     */
    public static String restoreCommand(Path dataDir, String fallback) {
        String s = RecoveryConfig.shellQuote(dir(dataDir).toAbsolutePath().toString()).replace("%", "%%");
        return "s=" + s + "; f=%f; "
                + "if [ ! -e \"$s/$f\" ] && [ ! -e \"$s/$f.error\" ] && p=$(cat \"$s/" + PID_FILE + "\" 2>/dev/null) && [ -n \"$p\" ] && [ -d \"/proc/$p\" ]; then "
                + ": > \"$s/$f.want\" 2>/dev/null; "
                + "while [ ! -e \"$s/$f\" ] && [ ! -e \"$s/$f.error\" ] && [ ! -e \"$s/$f.absent\" ] && [ -e \"$s/" + PID_FILE + "\" ] && [ -d \"/proc/$p\" ]; "
                + "do sleep 0.02; done; rm -f \"$s/$f.want\"; fi; "
                + "if [ -e \"$s/$f.error\" ]; then cat \"$s/$f.error\" >&2; exit 129; fi; "
                + "if [ -e \"$s/$f.absent\" ]; then rm -f \"$s/$f.absent\"; exit 1; fi; "
                + "if [ -e \"$s/$f\" ]; then case $f in *.history) exec cp \"$s/$f\" \"%p\";; *) exec mv -f \"$s/$f\" \"%p\";; esac; fi; "
                + fallback;
    }

    /** The {@code recovery_end_command} that deletes the spool of {@code dataDir} when recovery ends. */
    public static String endCommand(Path dataDir) {
        return "rm -rf " + RecoveryConfig.shellQuote(dir(dataDir).toAbsolutePath().toString()).replace("%", "%%");
    }

    private void coordinate() {
        Set<String> mine = new HashSet<>();
        while (!closed) {
            Set<String> present = new HashSet<>();
            try (Stream<Path> entries = Files.list(dir)) {
                entries.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).forEach(present::add);
            } catch (IOException e) {
                LOG.debugf("WAL spool %s is gone: %s", dir, e.getMessage());
                return; // recovery ended (recovery_end_command) or the restore failed and emptied the directory
            }
            for (Iterator<String> it = mine.iterator(); it.hasNext(); ) {
                String name = it.next();
                State state = states.get(name);
                if ((state == State.SPOOLED && !present.contains(name)) || state == State.FAILED || state == State.ERROR) { // taken, or never will be
                    it.remove();
                    window.decrementAndGet();
                }
            }
            for (String want : present) {
                if (want.endsWith(".want")) {
                    answer(want.substring(0, want.length() - ".want".length()), present);
                }
            }
            while (prefetching.get() < PREFETCH_THREADS && window.get() < AHEAD && !queue.isEmpty()) {
                WalObject next = queue.pollFirstEntry().getValue();
                if (!next.isHistory()) {
                    window.incrementAndGet();
                    mine.add(next.fileName());
                }
                submit(next, prefetch, false);
            }
            if (!serving && inFlight.get() == 0 && (queue.isEmpty() || window.get() >= AHEAD)) {
                return;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A request of the server for {@code name}: already answered, being fetched, next in the plan, or looked up now. */
    private void answer(String name, Set<String> present) {
        State state = states.get(name);
        if (state == State.RUNNING || state == State.ERROR
                || (state == State.SPOOLED && present.contains(name)) || (state == State.ABSENT && present.contains(name + ".absent"))) {
            return;
        }
        WalObject queued = queue.remove(name);
        if (queued != null) {
            submit(queued, requests, true);
            return;
        }
        states.put(name, State.RUNNING);
        inFlight.incrementAndGet();
        requests.execute(() -> {
            try {
                lookUpAndInstall(name);
            } catch (IOException | RuntimeException e) {
                failed(name, e, true);
            } finally {
                inFlight.decrementAndGet();
            }
        });
    }

    /** The archive as it is now serves {@code name} (a vanished partial is chosen again), or says it has none. */
    private void lookUpAndInstall(String name) throws IOException {
        if (archive.withCurrent(name, o -> {
            install(o, true);
            return o;
        }).isEmpty()) {
            states.put(name, State.ABSENT);
            marker(name + ".absent", "");
        }
    }

    private void submit(WalObject object, ExecutorService pool, boolean asked) {
        states.put(object.fileName(), State.RUNNING);
        inFlight.incrementAndGet();
        AtomicInteger counted = asked ? new AtomicInteger() : prefetching;
        counted.incrementAndGet();
        pool.execute(() -> {
            try {
                install(object, asked);
            } catch (IOException | RuntimeException e) {
                failed(object.fileName(), e, asked);
            } finally {
                counted.decrementAndGet();
                inFlight.decrementAndGet();
            }
        });
    }

    private void install(WalObject object, boolean asked) throws IOException {
        String name = object.fileName();
        WalFetch.install(dir.resolve(name), out -> archive.fetchTo(object, dir.resolve("." + name + ".stored"), out), owner);
        states.put(name, State.SPOOLED);
        spooled.incrementAndGet();
        LOG.debugf("spooled %s (%s)%s", name, object.key(), asked ? ", asked for" : "");
    }

    /**
     * A damaged object stops recovery when the server asks for its file; any failure of a file the server asked for
     * too (as wal-fetch --abort-recovery-on-error would). A prefetch that failed otherwise is fetched again if asked.
     */
    private void failed(String name, Exception e, boolean asked) {
        if (closed) {
            return;
        }
        if (!(e instanceof WalChecksumException) && !asked) {
            LOG.debugf("prefetching %s failed (it is fetched again when the server asks): %s", name, e.getMessage());
            states.put(name, State.FAILED);
            return;
        }
        if (e instanceof WalChecksumException) {
            LOG.errorf("%s", e.getMessage());
        }
        states.put(name, State.ERROR);
        try {
            marker(name + ".error", "lifeboat: " + (e instanceof WalChecksumException ? "" : "cannot fetch " + name + ": ") + e.getMessage() + "\n");
        } catch (IOException markerFailed) {
            LOG.warnf("cannot write the WAL spool's error marker for %s: %s", name, markerFailed.getMessage());
        }
    }

    private void marker(String name, String content) throws IOException {
        WalFetch.install(dir.resolve(name), out -> out.write(content.getBytes(StandardCharsets.UTF_8)), owner);
    }
}
