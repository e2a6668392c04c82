package dev.lifeboat.pitr;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.stream.age.AgeIdentity;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A point-in-time restore into a data directory: choose the base backup (the newest consistent before the target, or
 * the one named), check that the archive holds the WAL it starts from, unpack it with its checksum verified
 * ({@link BaseBackupUnpacker}) while the WAL it will replay is fetched into the {@link WalSpool}, write the recovery
 * settings ({@link RecoveryConfig}), hand the directory to the server's OS user, and optionally start a server on it
 * and wait until it has recovered and promoted (the spool serving its WAL meanwhile, and deleted after).
 */
public final class PitrRestorer {
    private static final Logger LOG = Logger.getLogger(PitrRestorer.class);

    /**
     * What to restore.
     *
     * @param restoreCommand the {@code restore_command} the server will run ({@link RecoveryConfig#restoreCommand})
     * @param extraSettings  further postgresql.auto.conf lines ({@code archive_mode = off} for drills)
     * @param start          the port to start a server on, or empty to leave it stopped
     * @param serverOptions  {@code name=value} settings for that server's command line
     * @param serverBin      the server binaries' directory, or empty to search for the backup's major version
     */
    public record Request(String database, Path dataDir, RecoveryTarget target, Optional<String> baseBackupId, String restoreCommand,
                          List<AgeIdentity> identities, List<String> extraSettings, Optional<Integer> start, List<String> serverOptions,
                          Optional<Path> serverBin, String serverBinSetting, Duration timeout) {
    }

    /** What was done; {@code spooledWalFiles}: WAL files this process fetched into the spool ({@link WalSpool}). */
    public record Result(BaseBackupManifest base, long unpackedBytes, Duration unpackTook, List<String> settings,
                         RecoveryServer server, Duration recoveryTook, Optional<String> lastReplayedTransaction, int spooledWalFiles) {
    }

    private final ObjectStore store;
    private final BaseBackupCatalog catalog;

    public PitrRestorer(ObjectStore store) {
        this.store = store;
        this.catalog = new BaseBackupCatalog(store);
    }

    /**
     * The base backup a restore to {@code target} starts from: the newest that suits the target and whose WAL up to its
     * consistent point the archive holds ({@code listing}); a base backup that finished while archiving lagged (its WAL
     * not stored yet) is passed over for an older one rather than failing the restore. Without such a one, the newest
     * that suits the target (the restore then says which segment is missing).
     */
    public BaseBackupManifest choose(String database, RecoveryTarget target, Optional<String> id, List<WalObject> listing) throws IOException {
        if (id.isPresent()) {
            BaseBackupManifest m = catalog.byId(id.get()).orElseThrow(() -> new UserFacingException("no base backup " + id.get() + " of " + database,
                    "lifeboat list " + database + " --pitr shows the base backups there are"));
            if (target instanceof RecoveryTarget.Time t && m.consistentAt().isAfter(t.at())) {
                throw new UserFacingException("base backup " + m.id() + " became consistent at " + m.consistentAt() + ", after the target " + t.at()
                        + "; recovery cannot stop before a base backup's end", "choose an older base backup or a later target");
            }
            return m;
        }
        List<BaseBackupManifest> all = catalog.list();
        if (all.isEmpty()) {
            throw new UserFacingException("no PITR base backups of " + database + " in " + store.describe(PitrLayout.BASE),
                    "run lifeboat backup " + database + " --base (and keep WAL archiving on)");
        }
        List<BaseBackupManifest> suiting = all.stream().filter(m -> switch (target) {
            case RecoveryTarget.Time t -> !m.consistentAt().isAfter(t.at());
            case RecoveryTarget.Position p -> !Lsn.parse(m.stopLsn()).isAfter(p.lsn());
            case RecoveryTarget.Latest l -> true;
        }).toList();
        Optional<BaseBackupManifest> chosen = suiting.reversed().stream().filter(m -> archived(listing, m)).findFirst()
                .or(() -> suiting.isEmpty() ? Optional.empty() : Optional.of(suiting.getLast()));
        return chosen.orElseThrow(() -> new UserFacingException("no base backup of " + database + " ends before " + target.describe()
                + "; the oldest became consistent at " + all.getFirst().consistentAt() + " (" + all.getFirst().stopLsn() + ")",
                "choose a later target; lifeboat list " + database + " --pitr shows the restorable range"));
    }

    /** True when {@code listing} holds every WAL segment of {@code m} from its start through its consistent point. */
    static boolean archived(List<WalObject> listing, BaseBackupManifest m) {
        long size = m.segmentSize();
        Lsn stop = Lsn.parse(m.stopLsn());
        long first = WalFileName.segmentNumber(m.startWalFile(), size);
        int timeline = WalFileName.timeline(m.startWalFile());
        for (long segno = first; segno <= stop.segmentNumber(size); segno++) {
            String name = WalFileName.segment(timeline, segno, size);
            // a partial counts when it reaches the consistent point (a segment before it must be complete)
            long needed = segno < stop.segmentNumber(size) ? Long.MAX_VALUE : stop.value();
            if (listing.stream().noneMatch(o -> o.fileName().equals(name)
                    && (o.isSegment() || o.isPartial() && needed != Long.MAX_VALUE && !stop.isAfter(o.end(size))))) {
                return false;
            }
        }
        return true;
    }

    public Result restore(Request r) throws IOException {
        WalArchive archive = new WalArchive(store, r.identities());
        List<WalObject> listing = archive.list();
        BaseBackupManifest base = choose(r.database(), r.target(), r.baseBackupId(), listing);
        if (listing.stream().noneMatch(o -> o.fileName().equals(base.startWalFile()))) {
            throw new UserFacingException("the WAL archive of " + r.database() + " lacks segment " + base.startWalFile()
                    + ", where base backup " + base.id() + " starts; it cannot be recovered",
                    "check that WAL archiving (pitr.enabled) runs and retention kept it: lifeboat list " + r.database() + " --pitr");
        }
        Path bin = r.start().isPresent() ? RecoveryServer.binaries(PgTools.major(base.serverVersion()), r.serverBin(), r.serverBinSetting()) : null;
        List<WalObject> plan = WalPrefetchPlan.plan(listing, base, r.target(), archive::fetch);
        BaseBackupUnpacker.prepareTarget(r.dataDir());
        // The spool fetches WAL while the base backup unpacks, and serves the server's requests while it recovers.
        WalSpool spool = WalSpool.start(archive, r.dataDir(), RecoveryServer.serverUser(), plan, r.start().isPresent());
        RecoveryServer server = null;
        try {
            long t0 = System.nanoTime();
            long bytes = BaseBackupUnpacker.unpack(store, base, r.identities(), r.dataDir());
            Duration unpackTook = Duration.ofNanos(System.nanoTime() - t0);
            List<String> extra = new ArrayList<>(r.extraSettings());
            extra.add("recovery_end_command = " + RecoveryConfig.confQuote(WalSpool.endCommand(r.dataDir())));
            List<String> settings = RecoveryConfig.write(r.dataDir(), WalSpool.restoreCommand(r.dataDir(), r.restoreCommand()), r.target(),
                    "lifeboat restore --pitr: base backup " + base.id() + ", recovery to " + r.target().describe()
                            + "; WAL from the spool " + WalSpool.DIR_NAME + ", else lifeboat wal-fetch", extra);
            RecoveryServer.handOver(r.dataDir());
            LOG.infof("unpacked base backup %s of %s into %s (%d bytes, checksum verified) in %s", base.id(), r.database(), r.dataDir(), bytes, unpackTook);
            if (r.start().isEmpty()) {
                int spooled = spool.awaitFilled();
                spool.close();
                LOG.infof("%d of %d planned WAL files are spooled in %s (checksum verified)", spooled, plan.size(), WalSpool.dir(r.dataDir()));
                return new Result(base, bytes, unpackTook, settings, null, null, Optional.empty(), spooled);
            }
            long t1 = System.nanoTime();
            server = RecoveryServer.start(bin, r.dataDir(), r.start().get(), r.serverOptions(), r.timeout());
            server.awaitPromoted(r.timeout());
            Duration recoveryTook = Duration.ofNanos(System.nanoTime() - t1);
            spool.close();
            WalSpool.remove(r.dataDir());
            return new Result(base, bytes, unpackTook, settings, server, recoveryTook, server.lastReplayedTransaction(), spool.spooledCount());
        } catch (IOException | RuntimeException e) {
            spool.close();
            if (server != null) {
                server.close();
            }
            WalSpool.remove(r.dataDir());
            throw e;
        }
    }
}
