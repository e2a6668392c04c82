package dev.lifeboat.pitr;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.store.Destinations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PITR base backups as the agent and the CLI use them: one now (single flight per database in this process), the
 * catalog, and the last outcome per database for status and the {@code pitr-base-backup-stale} alert (seeded from
 * the destination's newest manifest at start). Scheduling lives in {@link BaseBackupScheduler}.
 */
@ApplicationScoped
public class BaseBackupService {
    private static final Logger LOG = Logger.getLogger(BaseBackupService.class);

    @Inject
    ActiveConfig active;

    @Inject
    Destinations destinations;

    private final PgTools tools = PgTools.standard();
    private final Map<String, BaseBackupState> states = new ConcurrentHashMap<>();
    private final java.util.Set<String> running = ConcurrentHashMap.newKeySet();

    /**
     * What is known of one database's base backups.
     *
     * @param lastBackup  the newest base backup known (from this process or the destination's manifests)
     * @param lastError   the last failure since that backup, or null
     * @param lastErrorAt when it happened
     */
    public record BaseBackupState(BaseBackupManifest lastBackup, String lastError, Instant lastErrorAt) {
    }

    /** Oldest base backup's consistency point and how many there are, as the last listing or prune found them. */
    private record Kept(Instant oldestConsistentAt, int count) {
    }

    private final Map<String, Kept> kept = new ConcurrentHashMap<>();

    /** What status shows of {@code name}'s base backups; empty before anything is known. */
    public Optional<BaseBackupStatus> status(String name) {
        BaseBackupState s = states.get(name);
        Kept k = kept.get(name);
        if (s == null && k == null && !running(name)) {
            return Optional.empty();
        }
        BaseBackupManifest m = s == null ? null : s.lastBackup();
        return Optional.of(new BaseBackupStatus(m == null ? null : m.id(), m == null ? null : m.consistentAt(), m == null ? null : m.stopLsn(),
                m == null ? null : m.storedBytes(), k == null ? 0 : k.count(), k == null ? null : k.oldestConsistentAt(), running(name),
                s == null ? null : s.lastError(), s == null ? null : s.lastErrorAt()));
    }

    public Optional<BaseBackupState> state(String name) {
        return Optional.ofNullable(states.get(name));
    }

    /** The configured postgres database {@code name} with PITR settings. */
    public DatabaseConfig database(String name) {
        return active.database(name, DatabaseType.POSTGRES, "point-in-time recovery is for postgres databases");
    }

    public BaseBackupCatalog catalog(String name) throws IOException {
        database(name);
        return new BaseBackupCatalog(destinations.forDatabase(name));
    }

    /** Reads the newest base backup from the destination into the state (agent start). */
    public void seed(String name) {
        try {
            var all = catalog(name).list();
            if (!all.isEmpty()) {
                kept.put(name, new Kept(all.getFirst().consistentAt(), all.size()));
            }
            all.stream().reduce((a, b) -> b).ifPresent(m ->
                    states.compute(name, (n, s) -> s == null ? new BaseBackupState(m, null, null) : s));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot read the base backups of %s at start: %s", name, e.getMessage());
        }
    }

    /** Takes a base backup of {@code name} now; refused while one runs in this process. */
    public BaseBackupManifest backupNow(String name) throws IOException {
        DatabaseConfig db = database(name);
        if (!db.pitr().enabled()) {
            throw new UserFacingException("databases." + name + ".pitr.enabled is false: a base backup without archived WAL cannot be restored",
                    "set databases." + name + ".pitr.enabled: true and run the agent (it archives the WAL), then take base backups");
        }
        if (!running.add(name)) {
            throw new UserFacingException("a base backup of " + name + " is already running in this agent; try again when it has finished");
        }
        try {
            BaseBackupManifest m = new PitrBaseBackup(PitrBaseBackup.Settings.of(name, db), catalog(name), tools, Clock.systemUTC()).run();
            states.put(name, new BaseBackupState(m, null, null));
            try {
                prune(name, false);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("base backup %s of %s succeeded but PITR retention failed: %s", m.id(), name, e.getMessage());
            }
            return m;
        } catch (IOException | RuntimeException e) {
            states.compute(name, (n, s) -> new BaseBackupState(s == null ? null : s.lastBackup(), e.getMessage(), Instant.now()));
            throw e;
        } finally {
            running.remove(name);
        }
    }

    /**
     * Applies PITR retention ({@link PitrRetention}): unless {@code dryRun}, deletes each base backup it does not keep
     * (manifest first), then the WAL no kept base backup needs. Returns the plan.
     */
    public PitrRetention.Plan prune(String name, boolean dryRun) throws IOException {
        DatabaseConfig db = database(name);
        BaseBackupCatalog catalog = catalog(name);
        WalArchive archive = new WalArchive(catalog.store(), java.util.List.of());
        PitrRetention.Plan plan = PitrRetention.plan(catalog.list(), archive.list(), Instant.now(), db.pitr().retention().period(),
                db.pitr().retention().keepBaseBackups());
        if (!dryRun) {
            plan.keepBase().keySet().stream().findFirst().ifPresent(oldest ->
                    kept.put(name, new Kept(oldest.consistentAt(), plan.keepBase().size())));
            for (BaseBackupManifest m : plan.deleteBase()) {
                catalog.delete(m);
                LOG.infof("PITR retention deleted base backup %s of %s (consistent at %s)", m.id(), name, m.consistentAt());
            }
            catalog.store().deleteAll(plan.deleteWal().stream().map(WalObject::key).toList());
            if (!plan.deleteWal().isEmpty()) {
                LOG.infof("PITR retention deleted %d WAL object(s) of %s that no kept base backup needs", plan.deleteWal().size(), name);
            }
        }
        return plan;
    }

    /** Whether a base backup of {@code name} runs in this process now. */
    public boolean running(String name) {
        return running.contains(name);
    }
}
