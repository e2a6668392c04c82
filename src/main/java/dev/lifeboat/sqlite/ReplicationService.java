package dev.lifeboat.sqlite;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.DaemonScheduler;
import dev.lifeboat.runtime.FailureLog;
import dev.lifeboat.runtime.Human;
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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Replicates every configured SQLite database while the agent (or {@code lifeboat run}) runs: one
 * {@link Replicator} and one thread per database, syncing every {@code sync-interval}. A graceful stop makes a
 * final sync. Reports each database's {@link ReplicationStatus} for the status API and these metrics
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
    private final Map<String, ScheduledExecutorService> threads = new ConcurrentHashMap<>();
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
    private final ScheduledExecutorService guardRetries = DaemonScheduler.named("lifeboat-sqlite-guard");
    /** Each database's writer lease in its replica: only the holder syncs (one writer per replica). */
    private final Map<String, WriterLease> leases = new ConcurrentHashMap<>();
    /** Renews the leases apart from the syncs, so that a long snapshot upload cannot let a lease lapse. */
    /** Renews every database's lease apart from the syncs; started with the first lease, ended by {@link #stop()}. */
    private ScheduledExecutorService leaseThread;
    private final Map<String, java.util.concurrent.ScheduledFuture<?>> leaseRenewals = new ConcurrentHashMap<>();

    void onAgentStarted(@Observes AgentStarted started) {
        start(started.config());
    }

    /**
     * Starts replicating every sqlite database of {@code config}. Idempotent. Stores are opened from {@code config}
     * itself (not the shared {@code Destinations} cache, which may hold stores opened before it was installed).
     */
    public synchronized void start(LifeboatConfig config) {
        config.databases().forEach((name, db) -> {
            if (db.type() != DatabaseType.SQLITE || replicators.containsKey(name)) {
                return;
            }
            try {
                VolumeGuard.of(config).requireMounted(Path.of(db.path().orElseThrow()));
            } catch (UserFacingException refused) {
                // Never replicate (or create a shadow WAL) on a path whose volume is missing; try again later.
                refusals.put(name, refused.getMessage());
                guardFailures(name).failed(refused.getMessage() + " (not replicated; retrying every " + Human.duration(GUARD_RETRY) + ")");
                guardRetries.schedule(() -> start(config), GUARD_RETRY.toMillis(), TimeUnit.MILLISECONDS);
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
                ScheduledExecutorService thread = DaemonScheduler.named("lifeboat-sqlite-" + name);
                threads.put(name, thread);
                Path file = Path.of(db.path().orElseThrow());
                WriterLease lease = leases.get(name);
                if (lease == null) {
                    lease = newLease(config, name, file);
                    leases.put(name, lease);
                }
                WriterLease leased = lease;
                long[] lastGuard = {System.nanoTime()};
                LagRing lagRing = lagRings.computeIfAbsent(name, n -> new LagRing());
                thread.scheduleAtFixedRate(() -> {
                    MDC.put(TrackedRun.MDC_DATABASE, name); // this thread works for this database only
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
                }, 0, db.syncInterval().toMillis(), TimeUnit.MILLISECONDS);
                LOG.infof("replicating sqlite database %s (%s) every %s", name, r.database(), db.syncInterval());
            } catch (IOException e) {
                LOG.errorf("cannot replicate sqlite database %s: %s", name, e.getMessage());
            }
        });
    }

    /**
     * Opens database {@code name}'s lease and renews it every third of its TTL; the first attempt runs at once. Source
     * is this machine and the database file: the same file after a restart may resume its generation.
     */
    private WriterLease newLease(LifeboatConfig config, String name, Path file) throws IOException {
        WriterLease lease = new WriterLease(SqliteRestoreService.storeFor(config, name), WriterLease.thisProcess(),
                    WriterLease.thisMachine() + ":" + file.toAbsolutePath(),
                    config.destinations().get(config.databases().get(name).destination()).leaseTtl());
        if (leaseThread == null) {
            leaseThread = DaemonScheduler.named("lifeboat-sqlite-lease");
        }
        leaseRenewals.put(name, leaseThread.scheduleWithFixedDelay(() -> {
            boolean before = lease.mayWrite();
            if (lease.refresh() != before) {
                WriterLease.Status s = lease.status();
                String lost = "standby".equals(s.state()) ? "lost; standing by (held by " + s.holder() + ")"
                        : "not renewed; shipping paused until it is" + (s.error() == null ? "" : " (" + s.error() + ")");
                LOG.infof("sqlite %s: replica lease %s", name, before ? lost : "taken; replicating");
            }
        }, 0, lease.renewInterval().toMillis(), TimeUnit.MILLISECONDS));
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
        ScheduledExecutorService thread = threads.remove(name);
        if (thread != null) {
            thread.shutdown(); // called from that thread: no wait, the current sync is the last
        }
        Replicator r = replicators.remove(name);
        if (r != null) {
            r.close();
        }
        guardRetries.schedule(() -> start(config), GUARD_RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Takes a snapshot of sqlite database {@code name} now, on its sync thread (between two syncs), or joins the one
     * asked for and not yet taken. The run fails at once, saying why, when the database is not being replicated.
     */
    public TrackedRun.Claim<Replicator.SnapshotTaken> snapshotOrJoin(String name, String trigger) {
        TrackedRun<Replicator.SnapshotTaken> fresh = new TrackedRun<>("snapshot", name, trigger);
        TrackedRun<Replicator.SnapshotTaken> held = snapshotRuns.putIfAbsent(name, fresh);
        if (held != null) {
            return new TrackedRun.Claim<>(held, true);
        }
        ScheduledExecutorService thread = threads.get(name);
        Replicator r = replicators.get(name);
        try {
            if (thread == null || r == null) {
                throw new UserFacingException("sqlite database " + name + " is not being replicated by this agent"
                        + Optional.ofNullable(refusals.get(name)).map(why -> ": " + why).orElse(""));
            }
            thread.execute(() -> {
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

    /** Stops the sync threads and ships what is left, waiting for a sync in progress. */
    public synchronized void stop() {
        threads.forEach((name, thread) -> {
            thread.shutdown();
            try {
                if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
                    LOG.warnf("sqlite %s: sync did not finish in 60 s", name);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Replicator r = replicators.get(name);
            WriterLease lease = leases.remove(name);
            var renewal = leaseRenewals.remove(name);
            if (renewal != null) {
                renewal.cancel(false); // else it would take the lease again after release
            }
            if (lease != null && !lease.mayWrite()) {
                return; // another agent writes this replica
            }
            r.finalSync(false);
            if (lease != null) {
                lease.release();
            }
            LOG.infof("sqlite %s: final sync done (generation %s, index %08x, offset %d)", name, r.stats().generation,
                    r.stats().index, r.stats().offset);
        });
        threads.clear();
        if (leaseThread != null && leaseRenewals.isEmpty()) {
            leaseThread.shutdown();
            leaseThread = null;
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
