package dev.lifeboat.sqlite;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.FailureLog;
import dev.lifeboat.runtime.Human;
import dev.lifeboat.runtime.LanePool;
import dev.lifeboat.runtime.TrackedRun;
import dev.lifeboat.store.WriterLease;
import dev.lifeboat.volume.VolumeGuard;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Replicates every configured SQLite database while the agent (or {@code lifeboat run}) runs: one
 * {@link Replicator} per database, syncing every {@code sync-interval}. A graceful stop makes a final sync.
 *
 * <p>Threads: all databases share one {@link LanePool} of at most {@link #THREADS} threads ({@code lifeboat-sqlite-N})
 * and its timer thread. Each database has two lanes: its syncs (and the snapshots asked for, between two syncs: one
 * at a time, never overlapping) and its lease renewals (apart from the syncs, so a long upload cannot let the lease
 * lapse). A database whose destination hangs holds at most two threads until its requests time out, and the others
 * go on; an idle agent keeps one or two threads however many databases it replicates (a thread per database cost
 * ~130 KB of stack and thread-local buffers each, for syncs that take a few milliseconds a second). Reports each database's {@link ReplicationStatus} for the status API and these metrics
 * (tag {@code database}): {@code lifeboat_sqlite_replication_lag_seconds}, {@code lifeboat_sqlite_wal_bytes},
 * {@code lifeboat_sqlite_wal_index}, {@code lifeboat_sqlite_wal_offset_bytes},
 * {@code lifeboat_sqlite_last_snapshot_timestamp_seconds}, and counters {@code lifeboat_sqlite_syncs_total},
 * {@code lifeboat_sqlite_sync_errors_total}, {@code lifeboat_sqlite_checkpoints_total},
 * {@code lifeboat_sqlite_checkpoint_errors_total}, {@code lifeboat_sqlite_snapshots_total},
 * {@code lifeboat_sqlite_generations_total}, {@code lifeboat_sqlite_shipped_bytes_total}.
 *
 * <p>The volume guard can halt a database's replication and start it again with a new {@link Replicator}. Meters are
 * registered once per database (Micrometer ignores a second registration of the same name and tags) and read the
 * stats of the database's current replicator, or of the halted one until it is replaced; a new replicator continues
 * its predecessor's counters ({@link ReplicaStats#continuing}), so they never freeze nor go backwards.
 */
@ApplicationScoped
public class ReplicationService {
    private static final Logger LOG = Logger.getLogger(ReplicationService.class);

    @Inject
    MeterRegistry registry;

    private final Map<String, Replicator> replicators = new ConcurrentHashMap<>();
    /** Each database's stats: its running replicator's, or while replication is halted, the last one's. Meters read here. */
    private final Map<String, ReplicaStats> stats = new ConcurrentHashMap<>();
    private final Set<String> metered = ConcurrentHashMap.newKeySet();
    /** Per database: a refusing volume guard (asked again every {@link #GUARD_RETRY}) is logged once, then once a minute. */
    private final Map<String, FailureLog> guardFailures = new ConcurrentHashMap<>();
    /**
     * At most this many threads sync, snapshot and renew leases for all databases. They start only when a lane waits
     * and none is free, so the cap matters only when destinations hang: a database whose destination hangs holds two
     * (its sync and its lease renewal) until its requests time out; four such databases would hold all eight.
     */
    static final int THREADS = 8;
    /** The threads of all databases' lanes; started by {@link #start}, ended by {@link #stop}. */
    private LanePool pool;
    /** Their names' stem (a test running beside an agent in the same JVM tells its own threads by another). */
    String threadNames = "lifeboat-sqlite";
    /** Each replicated database's lane: its syncs and the snapshots asked for, one at a time. */
    private final Map<String, LanePool.Lane> syncLanes = new ConcurrentHashMap<>();
    /** Each database's sync ticks, every sync-interval. */
    private final Map<String, ScheduledFuture<?>> syncTicks = new ConcurrentHashMap<>();
    /** Databases the volume guard refused, with the reason shown in status. */
    private final Map<String, String> refusals = new ConcurrentHashMap<>();
    /** Each database's lag over the last hour, sampled after every sync; outlives re-created replicators. */
    private final Map<String, LagRing> lagRings = new ConcurrentHashMap<>();
    /** How long a refused or halted replication waits before the guard is asked again. */
    static java.time.Duration GUARD_RETRY = java.time.Duration.ofSeconds(30);
    /** How often a running replication re-checks its volume (a write probe: cheap, but not for every sync). */
    static java.time.Duration GUARD_WHILE_RUNNING = java.time.Duration.ofSeconds(10);
    /** Per database, the snapshot asked for and not yet taken: a second request joins it. */
    private final Map<String, TrackedRun<Replicator.SnapshotTaken>> snapshotRuns = new ConcurrentHashMap<>();
    /** Each database's writer lease in its replica: only the holder syncs (one writer per replica). */
    private final Map<String, WriterLease> leases = new ConcurrentHashMap<>();
    /** Each database's lease renewals: a lane of their own, so a long upload cannot let a lease lapse. */
    private final Map<String, LanePool.Lane> leaseLanes = new ConcurrentHashMap<>();
    private final Map<String, ScheduledFuture<?>> leaseRenewals = new ConcurrentHashMap<>();

    void onAgentStarted(@Observes AgentStarted started) {
        start(started.config());
    }

    /**
     * Starts replicating every sqlite database of {@code config}. Idempotent. Stores are opened from {@code config}
     * itself (not the shared {@code Destinations} cache, which may hold stores opened before it was installed).
     */
    public synchronized void start(LifeboatConfig config) {
        if (pool == null) {
            pool = new LanePool(threadNames, THREADS);
        }
        var starting = config.databases().entrySet().stream()
                .filter(e -> e.getValue().type() == DatabaseType.SQLITE && !replicators.containsKey(e.getKey())).toList();
        int[] nth = {0};
        starting.forEach(entry -> {
            String name = entry.getKey();
            DatabaseConfig db = entry.getValue();
            // Spread the databases' ticks over the interval: bursts of simultaneous syncs would start extra threads.
            Duration firstSync = db.syncInterval().multipliedBy(nth[0]++).dividedBy(starting.size());
            try {
                VolumeGuard.of(config).requireMounted(Path.of(db.path().orElseThrow()));
            } catch (UserFacingException refused) {
                // Never replicate (or create a shadow WAL) on a path whose volume is missing; try again later.
                refusals.put(name, refused.getMessage());
                guardFailures(name).failed(refused.getMessage() + " (not replicated; retrying every " + Human.duration(GUARD_RETRY) + ")");
                retryLater(config);
                return;
            }
            refusals.remove(name);
            guardFailures(name).succeeded();
            try {
                ReplicaStats counted = ReplicaStats.continuing(stats.get(name));
                Replicator r = new Replicator(name, Path.of(db.path().orElseThrow()), SqliteRestoreService.storeFor(config, name), settings(db),
                        ReplicaCodec.of(db), counted);
                replicators.put(name, r);
                stats.put(name, counted);
                if (metered.add(name)) {
                    registerMetrics(name);
                }
                LanePool.Lane lane = pool.lane(name);
                syncLanes.put(name, lane);
                Path file = Path.of(db.path().orElseThrow());
                WriterLease lease = leases.get(name);
                if (lease == null) {
                    lease = newLease(config, name, file, firstSync);
                    leases.put(name, lease);
                }
                WriterLease leased = lease;
                long[] lastGuard = {System.nanoTime()};
                LagRing lagRing = lagRings.computeIfAbsent(name, n -> new LagRing());
                syncTicks.put(name, lane.every(firstSync, db.syncInterval(), () -> {
                    MDC.put(TrackedRun.MDC_DATABASE, name);
                    try {
                        tick(name, config, file, r, leased, lastGuard, lagRing);
                    } finally {
                        MDC.remove(TrackedRun.MDC_DATABASE); // the thread serves other databases next
                    }
                }));
                LOG.infof("replicating sqlite database %s (%s) every %s", name, r.database(), db.syncInterval());
            } catch (IOException e) {
                LOG.errorf("cannot replicate sqlite database %s: %s", name, e.getMessage());
            }
        });
    }

    /** One tick of database {@code name}: the volume re-checked now and then, the lease obeyed, a sync, the lag sampled. */
    private void tick(String name, LifeboatConfig config, Path file, Replicator r, WriterLease leased, long[] lastGuard, LagRing lagRing) {
        // The volume can vanish while we run (unmounted, remounted read-only): re-check it now and then,
        // and stop rather than recreate a shadow WAL on the machine's root filesystem.
        if (System.nanoTime() - lastGuard[0] >= GUARD_WHILE_RUNNING.toNanos()) {
            lastGuard[0] = System.nanoTime();
            try {
                VolumeGuard.of(config).requireMounted(file);
            } catch (UserFacingException refused) {
                halt(name, config, refused);
                return;
            }
        }
        if (!leased.mayWrite()) {
            if ("standby".equals(leased.status().state())) {
                standBy(r, leased);
            } else {
                awaitRenewal(r, leased);
            }
            return;
        }
        String from = leased.takeOverFrom();
        if (from != null) {
            // Another machine wrote since this one's shadow state was made: never continue an older generation.
            r.startNewGeneration("took the replica over from " + from);
        }
        r.sync();
        lagRing.record(System.currentTimeMillis(), r.stats().lag().toMillis() / 1000.0);
    }

    /** Runs {@link #start} again after {@link #GUARD_RETRY}, unless this service is stopped by then. */
    private void retryLater(LifeboatConfig config) {
        LanePool current = pool;
        if (current == null) {
            return; // stopped
        }
        current.lane("guard").after(GUARD_RETRY, () -> {
            synchronized (this) {
                if (pool == current) {
                    start(config);
                }
            }
        });
    }

    /**
     * Opens database {@code name}'s lease and renews it every third of its TTL from {@code first} on (with the
     * database's first sync: spread like the syncs, so renewals do not come in bursts). Source is this machine and the
     * database file: the same file after a restart may resume its generation.
     */
    private WriterLease newLease(LifeboatConfig config, String name, Path file, Duration first) throws IOException {
        WriterLease lease = new WriterLease(SqliteRestoreService.storeFor(config, name), WriterLease.thisProcess(),
                    WriterLease.thisMachine() + ":" + file.toAbsolutePath(),
                    config.destinations().get(config.databases().get(name).destination()).leaseTtl());
        LanePool.Lane lane = pool.lane(name + " lease");
        leaseLanes.put(name, lane);
        leaseRenewals.put(name, lane.every(first, lease.renewInterval(), () -> {
            boolean before = lease.mayWrite();
            if (lease.refresh() != before) {
                WriterLease.Status s = lease.status();
                String lost = "standby".equals(s.state()) ? "lost; standing by (held by " + s.holder() + ")"
                        : "not renewed; shipping paused until it is" + (s.error() == null ? "" : " (" + s.error() + ")");
                LOG.infof("sqlite %s: replica lease %s", name, before ? lost : "taken; replicating");
            }
        }));
        return lease;
    }

    /**
     * The lease could not be renewed because the destination cannot be read (an outage): ship nothing, but keep the
     * database held, so the WAL frames committed meanwhile stay in place and the generation continues without a gap
     * once the lease is renewed (letting go would let the app's checkpoints overwrite them: a new generation).
     */
    private static void awaitRenewal(Replicator r, WriterLease lease) {
        String error = lease.status().error();
        r.stats().state = "waiting to renew the replica lease" + (error == null ? "" : ": " + error);
    }

    /** Another agent writes this replica: hold nothing open (SQLite checkpoints by itself) and say who writes. */
    private static void standBy(Replicator r, WriterLease lease) {
        r.close();
        WriterLease.Status s = lease.status();
        r.stats().state = s.holder() == null ? "waiting for the replica lease" + (s.error() == null ? "" : ": " + s.error())
                : "standby: replica lease held by " + s.holder() + " until " + s.expires();
    }

    /** Stops replicating {@code name} because its volume failed the guard; starts again once the guard passes. */
    private synchronized void halt(String name, LifeboatConfig config, UserFacingException refused) {
        refusals.put(name, refused.getMessage());
        guardFailures(name).failed(refused.getMessage() + " (replication stopped; retrying every " + Human.duration(GUARD_RETRY) + ")");
        ScheduledFuture<?> tick = syncTicks.remove(name);
        if (tick != null) {
            tick.cancel(false);
        }
        LanePool.Lane lane = syncLanes.remove(name);
        if (lane != null) {
            lane.close(); // called from that lane: no wait, the current sync is the last
        }
        Replicator r = replicators.remove(name);
        if (r != null) {
            r.close();
        }
        retryLater(config);
    }

    /**
     * Takes a snapshot of sqlite database {@code name} now, in its sync lane (between two syncs), or joins the one
     * asked for and not yet taken. The run fails at once, saying why, when the database is not being replicated.
     */
    public TrackedRun.Claim<Replicator.SnapshotTaken> snapshotOrJoin(String name, String trigger) {
        TrackedRun<Replicator.SnapshotTaken> fresh = new TrackedRun<>("snapshot", name, trigger);
        TrackedRun<Replicator.SnapshotTaken> held = snapshotRuns.putIfAbsent(name, fresh);
        if (held != null) {
            return new TrackedRun.Claim<>(held, true);
        }
        LanePool.Lane lane = syncLanes.get(name);
        Replicator r = replicators.get(name);
        try {
            if (lane == null || r == null) {
                throw new UserFacingException("sqlite database " + name + " is not being replicated by this agent"
                        + Optional.ofNullable(refusals.get(name)).map(why -> ": " + why).orElse(""));
            }
            lane.execute(() -> {
                Replicator.SnapshotTaken taken = null;
                Exception failure = null;
                try (TrackedRun.LogScope ignored = fresh.logScope()) {
                    fresh.started("snapshot");
                    WriterLease lease = leases.get(name);
                    if (lease != null && !lease.mayWrite()) {
                        // a standby never writes the replica, not even a snapshot asked for
                        throw new UserFacingException("sqlite database " + name + " is replicated by another agent ("
                                + lease.status().holder() + "); this one stands by");
                    }
                    taken = r.snapshotNow();
                } catch (Exception e) {
                    failure = e;
                    LOG.errorf("sqlite %s: snapshot asked for failed: %s", name, e.getMessage());
                } finally {
                    snapshotRuns.remove(name, fresh);
                }
                if (taken != null) {
                    fresh.succeeded(taken);
                } else {
                    fresh.failed(failure);
                }
            });
        } catch (RuntimeException e) {
            snapshotRuns.remove(name, fresh);
            fresh.failed(e);
        }
        return new TrackedRun.Claim<>(fresh, false);
    }

    static Replicator.Settings settings(DatabaseConfig db) {
        return new Replicator.Settings(db.snapshotInterval(), db.retention().period(),
                Replicator.Settings.DEFAULT_CHECKPOINT_PAGES, Replicator.Settings.DEFAULT_TRUNCATE_WAL_BYTES);
    }

    /**
     * Stops the syncs and ships what is left, waiting for a sync in progress, then ends the threads. A sync that halts
     * its database meanwhile (the volume guard) takes this service's lock: the waiting is done without it.
     */
    public void stop() {
        LanePool stopping;
        Map<String, LanePool.Lane> lanes;
        Map<String, LanePool.Lane> leaseLanesNow;
        synchronized (this) {
            stopping = pool;
            pool = null; // guard retries scheduled before the stop start nothing
            syncTicks.values().forEach(tick -> tick.cancel(false));
            syncTicks.clear();
            leaseRenewals.values().forEach(renewal -> renewal.cancel(false)); // else one would take the lease again after release
            leaseRenewals.clear();
            lanes = Map.copyOf(syncLanes);
            syncLanes.clear();
            leaseLanesNow = Map.copyOf(leaseLanes);
            leaseLanes.clear();
        }
        if (stopping == null) {
            return;
        }
        try {
            for (var entry : lanes.entrySet()) {
                String name = entry.getKey();
                if (!entry.getValue().closeAndAwait(Duration.ofSeconds(60))) {
                    LOG.warnf("sqlite %s: sync did not finish in 60 s", name);
                }
                LanePool.Lane leaseLane = leaseLanesNow.get(name);
                if (leaseLane != null && !leaseLane.closeAndAwait(Duration.ofSeconds(60))) {
                    LOG.warnf("sqlite %s: lease renewal did not finish in 60 s", name);
                }
                Replicator r = replicators.get(name);
                WriterLease lease = leases.remove(name);
                if (r == null || lease != null && !lease.mayWrite()) {
                    continue; // halted by the volume guard meanwhile, or another agent writes this replica
                }
                r.finalSync(false);
                if (lease != null) {
                    lease.release();
                }
                LOG.infof("sqlite %s: final sync done (generation %s, index %08x, offset %d)", name, r.stats().generation,
                        r.stats().index, r.stats().offset);
            }
            for (var entry : leaseLanesNow.entrySet()) {
                if (!lanes.containsKey(entry.getKey()) && entry.getValue().closeAndAwait(Duration.ofSeconds(60))) {
                    WriterLease lease = leases.remove(entry.getKey()); // halted by the volume guard: let another agent take over
                    if (lease != null) {
                        lease.release();
                    }
                }
            }
            stopping.shutdown();
            if (!stopping.awaitTermination(Duration.ofSeconds(10))) {
                LOG.warnf("sqlite: a replication thread still runs 10 s after the stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.shutdown();
        }
    }

    void onShutdown(@Observes ShutdownEvent event) {
        stop();
    }

    public Map<String, Replicator> replicators() {
        return Map.copyOf(replicators);
    }

    /** What replication of database {@code name} does, or why it was refused; empty for a database it does not replicate. */
    public Optional<ReplicationStatus> status(String name) {
        Replicator r = replicators.get(name);
        if (r != null) {
            return Optional.of(r.stats().status());
        }
        return Optional.ofNullable(refusals.get(name)).map(ReplicationStatus.Refused::new);
    }

    /** Database {@code name}'s writer lease as status shows it; empty for a database not replicated here. */
    public Optional<WriterLease.Status> lease(String name) {
        return Optional.ofNullable(leases.get(name)).map(WriterLease::status);
    }

    /** The replication lag of {@code name} over the last hour ({@link LagRing}); empty for a database not replicated. */
    public Optional<LagRing> lagHistory(String name) {
        return Optional.ofNullable(lagRings.get(name));
    }

    private FailureLog guardFailures(String name) {
        return guardFailures.computeIfAbsent(name, n -> new FailureLog(LOG, "sqlite " + n + ": volume guard"));
    }

    /** Registers the meters of database {@code name} once; they read {@link #stats}, which follows re-created replicators. */
    private void registerMetrics(String name) {
        Tags tags = Tags.of("database", name);
        gauge("lifeboat_sqlite_replication_lag_seconds", "Age of the oldest committed transaction not yet in the replica", tags, name,
                x -> x.lag().toMillis() / 1000.0);
        gauge("lifeboat_sqlite_wal_bytes", "Size of the database's WAL file", tags, name, x -> x.walBytes);
        gauge("lifeboat_sqlite_wal_index", "WAL index the replica has reached in the current generation", tags, name, x -> x.index);
        gauge("lifeboat_sqlite_wal_offset_bytes", "Offset the replica has reached in the current WAL index", tags, name, x -> x.offset);
        gauge("lifeboat_sqlite_last_snapshot_timestamp_seconds", "When the last snapshot was uploaded (Unix time)", tags, name,
                x -> x.lastSnapshotAt == null ? Double.NaN : x.lastSnapshotAt.getEpochSecond());
        gauge("lifeboat_sqlite_writer_hold_seconds", "How long Lifeboat's last checkpoint held the app's writers out", tags, name,
                x -> x.lastWriterHoldNanos / 1e9);
        counter("lifeboat_sqlite_syncs_total", "Syncs completed", tags, name, x -> x.syncs);
        counter("lifeboat_sqlite_sync_errors_total", "Syncs that failed", tags, name, x -> x.syncErrors);
        counter("lifeboat_sqlite_checkpoints_total", "Checkpoints run by Lifeboat", tags, name, x -> x.checkpoints);
        counter("lifeboat_sqlite_checkpoint_errors_total", "Checkpoints that failed", tags, name, x -> x.checkpointErrors);
        counter("lifeboat_sqlite_snapshots_total", "Snapshots uploaded", tags, name, x -> x.snapshots);
        counter("lifeboat_sqlite_generations_total", "Generations started", tags, name, x -> x.generations);
        counter("lifeboat_sqlite_shipped_bytes_total", "WAL bytes shipped (before compression)", tags, name, x -> x.shippedBytes);
    }

    private void gauge(String metric, String help, Tags tags, String database, ToDoubleFunction<ReplicaStats> f) {
        Gauge.builder(metric, stats, m -> {
            ReplicaStats s = m.get(database);
            return s == null ? Double.NaN : f.applyAsDouble(s);
        }).description(help).tags(tags).strongReference(true).register(registry);
    }

    /** {@code stats} is a field of this service, so the function counter's weak reference to it lives as long as the service. */
    private void counter(String metric, String help, Tags tags, String database, Function<ReplicaStats, AtomicLong> value) {
        FunctionCounter.builder(metric, stats, m -> {
            ReplicaStats s = m.get(database);
            return s == null ? 0 : value.apply(s).get();
        }).description(help).tags(tags).register(registry);
    }
}
