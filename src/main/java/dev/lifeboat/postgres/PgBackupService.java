package dev.lifeboat.postgres;

import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.UserFacingException;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.Retention;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.runtime.TrackedRun;
import dev.lifeboat.stream.age.AgeIdentity;
import dev.lifeboat.stream.age.AgeKeys;
import dev.lifeboat.store.Destinations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PostgreSQL backups as the agent and the CLI use them: run one now (then apply retention), prune, restore, and
 * the per-database {@link BackupState}. Scheduling lives in {@link PgBackupScheduler}.
 */
@ApplicationScoped
public class PgBackupService {
    private static final Logger LOG = Logger.getLogger(PgBackupService.class);

    @Inject
    ActiveConfig active;

    @Inject
    Destinations destinations;

    private final Map<String, BackupState> states = new ConcurrentHashMap<>();
    private final PgTools tools = PgTools.standard();

    /** The state of database {@code name} (created empty on first use). */
    public BackupState state(String name) {
        return states.computeIfAbsent(name, BackupState::new);
    }

    /** The configured postgres database {@code name}, or a user-facing error listing what exists. */
    public DatabaseConfig database(String name) {
        return active.database(name, DatabaseType.POSTGRES, "this operation is for postgres databases");
    }

    /** The backups of database {@code name}. */
    public BackupCatalog catalog(String name) throws IOException {
        database(name);
        return new BackupCatalog(destinations.forDatabase(name));
    }

    /**
     * Backs {@code name} up now and then applies its retention. Throws {@link PgBackup.LockBusyException} (counted
     * as a skipped run) when a backup of the database is already running here or in another agent.
     */
    public Manifest backupNow(String name) throws IOException {
        BackupState state = state(name);
        if (state.claim("cli").joined()) {
            state.skipped();
            throw new PgBackup.LockBusyException("a backup of " + name + " is already running in this agent; skipped");
        }
        return runStarted(name);
    }

    /**
     * Starts a backup of {@code name} asked for by {@code trigger} on a virtual thread of its own (as the schedule
     * does), or joins the one running: the returned claim's run shows its progress and outcome.
     */
    public TrackedRun.Claim<Manifest> startOrJoin(String name, String trigger) {
        database(name);
        TrackedRun.Claim<Manifest> claim = state(name).claim(trigger);
        if (!claim.joined()) {
            runInBackground(name, null, () -> { });
        }
        return claim;
    }

    /**
     * Runs the backup whose start was claimed on a virtual thread, for schedule slot {@code slot} ({@link #runScheduled})
     * or, when null, unconditionally; its outcome is logged (and in its run), and
     * {@code onFailure} runs after a failure (not after a skip: another backup held the lock).
     */
    void runInBackground(String name, Instant slot, Runnable onFailure) {
        Thread.ofVirtual().name("lifeboat-pg-backup-" + name).start(() -> {
            try {
                if (slot == null) {
                    runStarted(name);
                } else {
                    runScheduled(name, slot);
                }
            } catch (PgBackup.LockBusyException e) {
                LOG.warnf("backup of %s skipped: %s", name, e.getMessage());
            } catch (Exception e) {
                LOG.errorf("backup of %s failed: %s", name, e.getMessage());
                onFailure.run();
            }
        });
    }

    /** Runs a backup whose start was already claimed with {@link BackupState#tryStart()} or {@link BackupState#claim}. */
    Manifest runStarted(String name) throws IOException {
        BackupState state = state(name);
        TrackedRun<Manifest> run = state.current().orElseGet(() -> new TrackedRun<>("backup", name, "schedule"));
        Manifest done = null;
        Exception failure = null;
        try (TrackedRun.LogScope ignored = run.logScope()) {
            run.started("connecting");
            DatabaseConfig db = database(name);
            BackupCatalog catalog = catalog(name);
            Manifest m = new PgBackup(PgBackup.Settings.of(name, db), catalog, tools, Clock.systemUTC()).withProgress(run).run();
            state.succeeded(m);
            run.phase("retention");
            try {
                prune(name, false);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("backup %s of %s succeeded but retention failed: %s", m.id(), name, e.getMessage());
            }
            done = m;
            return m;
        } catch (PgBackup.LockBusyException e) {
            state.skipped();
            failure = e;
            throw e;
        } catch (IOException | RuntimeException e) {
            state.failed(e.getMessage(), Instant.now());
            failure = e;
            throw e;
        } finally {
            // The slot is free before the run reports its end: a request that sees the end can start the next one.
            state.finished();
            if (done != null) {
                run.succeeded(done);
            } else {
                run.failed(failure != null ? failure : new IOException("backup of " + name + " ended without an outcome"));
            }
        }
    }

    /** Where schedule slots are claimed, beside {@code manifests/} and {@code data/}: {@code slots/<slot time>}. */
    static final String SLOTS = "slots/";
    /** Slot claims older than this are deleted when a new one is made (they only matter while their slot is current). */
    static final java.time.Duration SLOT_CLAIMS_KEPT = java.time.Duration.ofDays(2);

    /**
     * Runs the scheduled backup of {@code slot} (started with {@link BackupState#tryStart()}) unless another agent
     * claimed that slot first: one backup per schedule slot however many agents back the database up. The claim is a
     * conditional create of {@code slots/<slot>}; a failed backup gives its claim back, so a retry (here, after a
     * restart, or in another agent) may still fill the slot. Returns empty when skipped.
     */
    Optional<Manifest> runScheduled(String name, Instant slot) throws IOException {
        var store = destinations.forDatabase(name);
        String key = SLOTS + slot;
        String claim = dev.lifeboat.store.WriterLease.thisProcess() + " at " + Instant.now();
        boolean claimed;
        try {
            claimed = store.putIfAbsent(key, claim.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            state(name).failed(e.getMessage(), Instant.now());
            var run = state(name).finished();
            if (run != null) {
                run.failed(e);
            }
            throw e;
        }
        if (!claimed) {
            String holder;
            try (var in = store.get(key)) {
                holder = new String(in.readNBytes(512), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                holder = "another agent";
            }
            state(name).skippedSlot("slot " + slot + " was taken by " + holder);
            var run = state(name).finished();
            if (run != null) {
                run.failed(new PgBackup.LockBusyException("skipped: schedule slot " + slot + " was taken by " + holder));
            }
            LOG.infof("backup of %s for slot %s skipped: another agent took the slot (%s)", name, slot, holder);
            return Optional.empty();
        }
        boolean ok = false;
        try {
            Manifest m = runStarted(name);
            ok = true;
            return Optional.of(m);
        } finally {
            if (!ok) {
                store.deleteAll(List.of(key));
            }
            pruneSlotClaims(store);
        }
    }

    private static void pruneSlotClaims(dev.lifeboat.store.ObjectStore store) {
        Instant cutoff = Instant.now().minus(SLOT_CLAIMS_KEPT);
        try {
            store.deleteAll(store.list(SLOTS).stream().filter(o -> o.lastModified().isBefore(cutoff))
                    .map(dev.lifeboat.store.ObjectInfo::key).toList());
        } catch (IOException e) {
            LOG.debugf("old slot claims not pruned: %s", e.getMessage());
        }
    }

    /**
     * Applies retention: deletes (unless {@code dryRun}) every backup the policy does not keep, each manifest
     * before its data. Returns the plan.
     */
    public Retention.Plan prune(String name, boolean dryRun) throws IOException {
        var r = database(name).retention();
        BackupCatalog catalog = catalog(name);
        Retention.Plan plan = Retention.plan(catalog.list(), new Retention.Policy(r.keepLast(), r.keepDaily(), r.keepWeekly(), r.keepMonthly()));
        if (!dryRun) {
            for (Manifest m : plan.delete()) {
                catalog.delete(m);
                LOG.infof("retention deleted backup %s of %s (taken %s)", m.id(), name, m.startedAt());
            }
        }
        return plan;
    }

    /** Which backup to restore: by id, the newest at or before a time, or the newest. */
    public Manifest select(String name, String backupId, Instant at) throws IOException {
        BackupCatalog catalog = catalog(name);
        Optional<Manifest> m;
        if (backupId != null) {
            m = catalog.byId(backupId);
            return m.orElseThrow(() -> new UserFacingException("no backup " + backupId + " of " + name,
                    "lifeboat list " + name + " shows the backups there are"));
        }
        m = at != null ? catalog.latestAtOrBefore(at) : catalog.latest();
        return m.orElseThrow(() -> at != null
                ? new UserFacingException("no backup of " + name + " was taken at or before " + at,
                        "lifeboat list " + name + " shows the backups there are")
                : new UserFacingException("no backups of " + name + " exist yet in " + catalog.store().describe(),
                        "run lifeboat backup " + name));
    }

    /**
     * Restores a backup of {@code name} into {@code targetUrl}; identities come from {@code identityFiles} and the
     * database's {@code encryption.identity-files}.
     */
    public PgRestorer.Result restore(String name, Manifest backup, String targetUrl, boolean clean, boolean noOwner,
                                     List<Path> identityFiles) throws IOException {
        DatabaseConfig db = database(name);
        List<AgeIdentity> identities = AgeKeys.identities(db, identityFiles);
        PgUrl target;
        try {
            target = PgUrl.parse(targetUrl);
        } catch (IllegalArgumentException e) {
            throw new UserFacingException("--to: " + e.getMessage());
        }
        return new PgRestorer(tools).restore(catalog(name), backup,
                new PgRestorer.Options(target, clean, noOwner, identities, db.timeout()));
    }
}
