package dev.lifeboat.drill;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.runtime.TrackedRun;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs restore drills and remembers their outcomes. Used by the scheduler, {@code lifeboat drill DB} and the API.
 *
 * <p>Single flight: at most one drill per database in this process (a second is refused); the drill itself runs on
 * a thread of its own so that {@code drill.timeout} can end the wait — the drill is then interrupted, recorded as
 * failed, and the database stays locked until its thread has cleaned up its scratch copy.
 *
 * <p>Alerting reads {@link #state} ({@code alert.DrillConditionSource}): the {@code drill-failed} alert and the
 * healthchecks pings of job {@code drill.<database>} follow it; nothing here calls alerting.
 *
 * <p>Every drill, passed, failed or refused, is written to the destination's history ({@link DrillHistory}); the
 * latest outcome per database is also kept in memory for status, metrics and alerts, and reloaded from the
 * destination when the agent starts.
 */
@ApplicationScoped
public class DrillService {
    private static final Logger LOG = Logger.getLogger(DrillService.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    DrillMetrics metrics;

    @Inject
    dev.lifeboat.config.ActiveConfig active;

    private final Map<String, Semaphore> locks = new ConcurrentHashMap<>();
    private final Map<String, Instant> running = new ConcurrentHashMap<>();
    private final Map<String, DrillState> states = new ConcurrentHashMap<>();
    /** Per database, the drill run queued or running: a second request joins it (see {@link #startOrJoin}). */
    private final Map<String, TrackedRun<DrillRecord>> current = new ConcurrentHashMap<>();
    private final RecentDrills recent = new RecentDrills();

    /**
     * What is known about one database's drills.
     *
     * @param last                the most recent drill
     * @param lastPassed          the most recent drill that passed, or null
     * @param consecutiveFailures failed or refused drills since the last pass
     */
    public record DrillState(DrillRecord last, DrillRecord lastPassed, int consecutiveFailures) {
        DrillState with(DrillRecord r) {
            boolean newer = last == null || !r.startedAt().isBefore(last.startedAt());
            DrillRecord l = newer ? r : last;
            DrillRecord p = r.passed() && (lastPassed == null || r.startedAt().isAfter(lastPassed.startedAt())) ? r : lastPassed;
            int failures = !newer ? consecutiveFailures : r.passed() ? 0 : consecutiveFailures + 1;
            return new DrillState(l, p, failures);
        }
    }

    /** Latest known state of database {@code db}'s drills. */
    public Optional<DrillState> state(String db) {
        return Optional.ofNullable(states.get(db));
    }

    /** The newest drills of {@code db} known to this agent, newest first, without reading the destination ({@link RecentDrills}). */
    public List<DrillOverview.Summary> recentDrills(String db) {
        return recent.of(db);
    }

    /** When the drill of {@code db} now running started, if one is. */
    public Optional<Instant> runningSince(String db) {
        return Optional.ofNullable(running.get(db));
    }

    /** The store holding {@code database}'s objects under {@code config}. Callers close it. */
    static ObjectStore storeFor(LifeboatConfig config, String database) throws IOException {
        DatabaseConfig db = config.databases().get(database);
        return ObjectStores.openUnder(config.destinations().get(db.destination()), database + "/");
    }

    /**
     * Runs one drill of {@code database} now and returns its record (passed, failed or refused; never throws for a
     * failed drill). A {@link UserFacingException} for an unknown database.
     *
     * @param trigger {@code schedule}, {@code cli} or {@code api}
     */
    public DrillRecord run(LifeboatConfig config, String database, String trigger) {
        requireDatabase(config, database);
        TrackedRun<DrillRecord> tracked = current.computeIfAbsent(database, d -> new TrackedRun<>("drill", d, trigger));
        if (!tracked.begin("restoring")) {
            tracked = new TrackedRun<>("drill", database, trigger); // another thread runs that one: this call is refused below
            tracked.started("restoring");
        }
        return runTracked(config, database, trigger, tracked);
    }

    /**
     * Queues a drill of {@code database} on {@code executor} (the drills' one thread), or joins the drill queued or
     * running for it. A scheduled drill that comes first takes the queued run over: its record is the run's outcome.
     */
    public TrackedRun.Claim<DrillRecord> startOrJoin(LifeboatConfig config, String database, String trigger, Executor executor) {
        requireDatabase(config, database);
        TrackedRun<DrillRecord> fresh = new TrackedRun<>("drill", database, trigger);
        TrackedRun<DrillRecord> held = current.putIfAbsent(database, fresh);
        if (held != null) {
            return new TrackedRun.Claim<>(held, true);
        }
        try {
            executor.execute(() -> {
                if (fresh.begin("restoring")) {
                    runTracked(config, database, trigger, fresh);
                }
            });
        } catch (RuntimeException e) {
            current.remove(database, fresh);
            fresh.failed(e);
        }
        return new TrackedRun.Claim<>(fresh, false);
    }

    private static DatabaseConfig requireDatabase(LifeboatConfig config, String database) {
        DatabaseConfig db = config.databases().get(database);
        if (db == null) {
            throw new UserFacingException("no database named '" + database + "'; configured: " + String.join(", ", config.databases().keySet()));
        }
        return db;
    }

    private DrillRecord runTracked(LifeboatConfig config, String database, String trigger, TrackedRun<DrillRecord> tracked) {
        DrillRecord outcome = null;
        try (TrackedRun.LogScope ignored = tracked.logScope()) {
            outcome = runOnce(config, database, trigger, tracked.id());
            return outcome;
        } finally {
            current.remove(database, tracked);
            if (outcome != null) {
                tracked.succeeded(outcome);
            } else {
                tracked.failed(new IllegalStateException("drill of " + database + " ended without a record (see the log)"));
            }
        }
    }

    private DrillRecord runOnce(LifeboatConfig config, String database, String trigger, String jobId) {
        DatabaseConfig db = config.databases().get(database);
        Instant startedAt = Instant.now();
        String id = ID_TIME.format(startedAt) + "-" + HexFormat.of().formatHex(randomBytes());
        Semaphore lock = locks.computeIfAbsent(database, k -> new Semaphore(1));
        if (!lock.tryAcquire()) {
            DrillRecord refused = record(id, database, db, trigger, startedAt, null, DrillException.refused(
                    "drill of " + database + " refused: another drill of it is running since " + running.get(database)));
            // Not remembered: the running drill's outcome is what counts.
            return refused;
        }
        running.put(database, startedAt);
        return runLocked(config, database, db, trigger, id, startedAt, lock, jobId);
    }

    private DrillRecord runLocked(LifeboatConfig config, String database, DatabaseConfig db, String trigger, String id, Instant startedAt,
                                  Semaphore lock, String jobId) {
        boolean handedOver = false;
        ObjectStore store = null;
        try {
            store = storeFor(config, database);
            DrillRun run = new DrillRun(id, database, config, store, startedAt);
            Drill drill = drillFor(db);
            ObjectStore ownedStore = store;
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread worker = new Thread(() -> {
                try (TrackedRun.LogScope ignored = TrackedRun.LogScope.of(database, jobId)) {
                    drill.run(run);
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                } finally {
                    ownedStore.close();
                    running.remove(database);
                    lock.release();
                }
            }, "lifeboat-drill-" + database);
            worker.setDaemon(true);
            worker.start();
            handedOver = true;
            DrillException outcome = null;
            Duration timeout = db.drill().timeout();
            try {
                done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                worker.interrupt();
                outcome = DrillException.failed("drill of " + database + " failed: timed out after " + timeout
                        + (run.backupId != null ? " restoring backup " + run.backupId : "") + "; raise databases." + database + ".drill.timeout");
            } catch (ExecutionException e) {
                outcome = e.getCause() instanceof DrillException d ? d
                        : DrillException.failed("drill of " + database + " failed unexpectedly: " + e.getCause(), e.getCause());
                if (!(e.getCause() instanceof DrillException)) {
                    LOG.errorf(e.getCause(), "drill of %s failed unexpectedly", database);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                worker.interrupt();
                outcome = DrillException.failed("drill of " + database + " failed: interrupted (shutting down)");
            }
            DrillRecord r = record(id, database, db, trigger, startedAt, run, outcome);
            save(config, r);
            return r;
        } catch (IOException e) {
            DrillRecord r = record(id, database, db, trigger, startedAt, null,
                    DrillException.failed("drill of " + database + " failed: cannot open destination " + db.destination() + ": " + e.getMessage(), e));
            remember(r);
            metrics.failed(database);
            return r;
        } finally {
            if (!handedOver) {
                if (store != null) {
                    store.close();
                }
                running.remove(database);
                lock.release();
            }
        }
    }

    /** Why no drill of {@code database} can run here at all ({@link Drill#whyImpossible}), if that is known. */
    Optional<String> whyImpossible(LifeboatConfig config, String database) {
        DatabaseConfig db = config.databases().get(database);
        return drillFor(db).whyImpossible(database, db);
    }

    /** Whether the destination holds anything to restore; true when it cannot be told (the drill then says why it cannot run). */
    boolean hasSomethingToRestore(LifeboatConfig config, String database) {
        try (ObjectStore store = storeFor(config, database)) {
            return drillFor(config.databases().get(database)).hasSomethingToRestore(store);
        } catch (IOException | RuntimeException e) {
            LOG.debugf("cannot tell whether %s has anything to drill: %s", database, e.getMessage());
            return true;
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return b;
    }

    Drill drillFor(DatabaseConfig db) {
        return switch (db.type()) {
            case SQLITE -> new SqliteDrill();
            // With PITR on, drills prove the stronger path: base backup + WAL to a moment (pg_dump drills otherwise).
            case POSTGRES -> db.pitr().enabled() ? new PitrDrill(active.path()) : new PostgresDrill(dev.lifeboat.postgres.PgTools.standard());
        };
    }

    private DrillRecord record(String id, String database, DatabaseConfig db, String trigger, Instant startedAt, DrillRun run, DrillException outcome) {
        Instant finishedAt = Instant.now();
        String result = outcome == null ? DrillRecord.PASSED : outcome.refused() ? DrillRecord.REFUSED : DrillRecord.FAILED;
        Long rpo = run != null && run.backupTime != null ? DrillRecord.rpoSeconds(run.backupTime, startedAt) : null;
        return new DrillRecord(id, database, db.type().configName(), trigger, result,
                run == null ? null : run.backupId, run == null ? null : run.backupTime, startedAt, finishedAt,
                run == null ? null : run.restoreMillis, Duration.between(startedAt, finishedAt).toMillis(), rpo,
                run == null ? 0 : run.storedBytes, run == null ? -1 : run.restoredBytes, run == null ? null : run.scratch,
                outcome == null ? null : outcome.getMessage(), run == null ? List.of() : run.checks());
    }

    /** Writes the record to the destination's history (a failure to do so is logged, not fatal) and remembers it. */
    private void save(LifeboatConfig config, DrillRecord r) {
        remember(r);
        if (!r.passed()) {
            metrics.failed(r.database());
        }
        try (ObjectStore history = storeFor(config, r.database())) {
            new DrillHistory(history).append(r, config.databases().get(r.database()).drill().keepHistory());
        } catch (IOException | RuntimeException e) {
            LOG.errorf("drill %s of %s: cannot store its record in the destination: %s", r.id(), r.database(), e.getMessage());
        }
    }

    void remember(DrillRecord r) {
        recent.add(r);
        states.merge(r.database(), new DrillState(null, null, 0).with(r), (old, fresh) -> old.with(r));
        metrics.recorded(r, states.get(r.database()));
        if (r.passed()) {
            LOG.infof("drill %s of %s passed: backup %s, restore %d ms, RPO %s s", r.id(), r.database(), r.backupId(), r.restoreMillis(), r.rpoSeconds());
        } else {
            LOG.warnf("drill %s of %s %s: %s", r.id(), r.database(), r.outcome(), r.error());
        }
    }

    /** Rebuilds the in-memory state from the destinations' histories (agent start). Errors are logged per database. */
    public void loadHistory(LifeboatConfig config) {
        for (String database : config.databases().keySet()) {
            try (ObjectStore store = storeFor(config, database)) {
                List<DrillRecord> stored = new DrillHistory(store).recent(config.databases().get(database).drill().keepHistory());
                DrillState s = new DrillState(null, null, 0);
                for (DrillRecord r : stored.reversed()) {
                    s = s.with(r);
                    recent.add(r);
                }
                if (s.last() != null) {
                    DrillState loaded = s;
                    states.merge(database, loaded, (mine, fromStore) -> mine.last().startedAt().isAfter(fromStore.last().startedAt()) ? mine : fromStore);
                    metrics.recorded(s.last(), states.get(database));
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf("cannot read the drill history of %s: %s", database, e.getMessage());
            }
        }
    }

    /** The newest {@code limit} drills of {@code database}, read from its destination (the source of truth). */
    public List<DrillRecord> history(LifeboatConfig config, String database, int limit) throws IOException {
        try (ObjectStore store = storeFor(config, database)) {
            return new DrillHistory(store).recent(limit);
        }
    }
}
