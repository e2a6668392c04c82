package dev.lifeboat.drill;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.sqlite.ReplicaCatalog;
import dev.lifeboat.sqlite.ReplicaCatalog.Generation;
import dev.lifeboat.sqlite.ReplicaLayout.Segment;
import dev.lifeboat.sqlite.ReplicaLayout.Snapshot;
import dev.lifeboat.sqlite.SqliteRestorer;
import dev.lifeboat.store.ObjectStore;
import org.jboss.logging.Logger;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * SQLite drill: restores the replica's newest position (or a random point of a random generation) with
 * {@link SqliteRestorer} into {@code <scratch-dir>/lifeboat_drill_<db>_<id>.db}, then checks it: the restorer's own
 * integrity check, the drill's {@code quick_check} or {@code integrity_check} + {@code foreign_key_check}, the user
 * checks, and — when the live database has not changed since the replica's newest object — equal row counts in
 * every table of the live database, opened read-only.
 *
 * <p>Checksums: Litestream's layout has no manifest; every object is an LZ4 frame with an xxHash32 content checksum,
 * verified while decompressing, so a flipped or missing byte fails the restore and names the object's backup.
 */
final class SqliteDrill implements Drill {
    private static final Logger LOG = Logger.getLogger(SqliteDrill.class);
    /** LZ4 on SQLite pages rarely shrinks more than this; the estimate when the live file cannot be measured. */
    static final int COMPRESSION_ALLOWANCE = 4;

    private final Random random;

    SqliteDrill() {
        this(ThreadLocalRandom.current());
    }

    SqliteDrill(Random random) {
        this.random = random;
    }

    static Path scratchDir(DatabaseConfig db) {
        return db.drill().scratchDir().map(Path::of)
                .orElse(Path.of(System.getProperty("java.io.tmpdir"), "lifeboat-drills")).toAbsolutePath();
    }

    @Override
    public void run(DrillRun run) throws DrillException {
        DatabaseConfig.DrillConfig settings = run.config.drill();
        Path dir = scratchDir(run.config);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw DrillException.refused("drill of " + run.database + " refused: cannot create scratch directory " + dir + ": " + e.getMessage());
        }
        removeLeftovers(dir, DrillRun.scratchPrefix(run.database));

        ReplicaCatalog catalog;
        try {
            catalog = ReplicaCatalog.load(run.store);
        } catch (IOException e) {
            throw DrillException.failed("drill of " + run.database + " failed: cannot list the replica in " + run.store.describe() + ": " + e.getMessage(), e);
        }
        Target target = choose(catalog, settings.backup());
        if (target == null) {
            throw DrillException.refused("drill of " + run.database + " refused: no replica with a snapshot in " + run.store.describe()
                    + " (has the database been replicated yet?)");
        }
        run.backupId = target.generation.name() + "/" + String.format("%08x", target.snapshot.index());

        long stored = target.objects().stream().mapToLong(o -> o).sum();
        long live = liveSize(run.config);
        long needed = Math.max(live, stored * COMPRESSION_ALLOWANCE);
        ScratchSpace.require(run.database, needed, live > 0 ? "the size of the live database" : COMPRESSION_ALLOWANCE + " x the replica objects",
                settings.scratchSpace(), dir);

        Path scratch = dir.resolve(run.scratchName() + ".db");
        run.scratch = scratch.toString();
        try {
            long t0 = System.nanoTime();
            SqliteRestorer.Result result;
            try {
                result = new SqliteRestorer(run.store).restore(new SqliteRestorer.Options(scratch, target.at, target.generation.name(), null));
            } catch (IOException | RuntimeException e) {
                throw DrillException.failed("drill of " + run.database + " failed: restore of backup " + run.backupId + " from "
                        + run.store.describe() + " failed: " + e.getMessage(), e);
            }
            run.restoreMillis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            run.backupId = result.generation() + "/" + String.format("%08x-%08x", result.snapshotIndex(), result.lastIndex());
            applied(run, target.generation, result, target.at);
            run.restoredBytes = result.bytes();
            run.check(CheckResult.builtin("restore", true, "ok",
                    "restored snapshot and WAL through index " + String.format("%08x", result.lastIndex()) + "; LZ4 checksums and integrity_check passed"));

            try (Connection c = openReadOnly(scratch)) {
                integrity(run, c, settings.integrity());
                for (CheckResult r : UserChecks.run(c, settings.checks(), run.backupTime, run.startedAt, (int) settings.timeout().toSeconds())) {
                    run.check(r);
                }
                if (settings.compareLive()) {
                    compareLive(run, c);
                }
            } catch (SQLException e) {
                throw DrillException.failed("drill of " + run.database + " failed: restored backup " + run.backupId + " cannot be opened: " + e.getMessage(), e);
            }
            CheckResult failed = run.checks().stream().filter(r -> !r.passed()).findFirst().orElse(null);
            if (failed != null) {
                throw DrillException.failed("drill of " + run.database + " failed on backup " + run.backupId + ": " + failed.message());
            }
        } finally {
            deleteWithSidecars(scratch);
            deleteWithSidecars(scratch.resolveSibling(scratch.getFileName() + ".lifeboat-restore"));
        }
    }

    @Override
    public boolean hasSomethingToRestore(ObjectStore store) throws IOException {
        return choose(ReplicaCatalog.load(store), DatabaseConfig.DRILL_BACKUP_LATEST) != null;
    }

    /** Which generation and point to restore; null when the replica holds no snapshot. */
    Target choose(ReplicaCatalog catalog, String which) {
        List<Generation> candidates = catalog.generations().values().stream().filter(g -> !g.snapshots().isEmpty()).toList();
        if (candidates.isEmpty()) {
            return null;
        }
        if (DatabaseConfig.DRILL_BACKUP_RANDOM.equals(which)) {
            Generation g = candidates.get(random.nextInt(candidates.size()));
            Instant from = g.snapshots().getFirst().createdAt();
            Instant to = g.updatedAt();
            long span = Math.max(0, Duration.between(from, to).toMillis());
            Instant at = from.plusMillis(span == 0 ? 0 : random.nextLong(span + 1));
            return new Target(g, latestSnapshotAt(g, at), at);
        }
        Generation best = new SqliteRestorer(null).chooseGeneration(catalog, new SqliteRestorer.Options(null, null, null, null)).orElse(null);
        return best == null ? null : new Target(best, best.snapshots().stream().max(java.util.Comparator.comparingInt(Snapshot::index)).orElseThrow(), null);
    }

    private static Snapshot latestSnapshotAt(Generation g, Instant at) {
        Snapshot best = g.snapshots().getFirst();
        for (Snapshot s : g.snapshots()) {
            if (!s.createdAt().isAfter(at) && s.index() >= best.index()) {
                best = s;
            }
        }
        return best;
    }

    /** A generation, the snapshot a restore starts from and the point in time (null: newest). */
    record Target(Generation generation, Snapshot snapshot, Instant at) {
        /** Sizes of the objects a restore would download (upper bound: all later segments of the generation). */
        List<Long> objects() {
            List<Long> sizes = new ArrayList<>();
            sizes.add(snapshot.size());
            for (Segment s : generation.segments()) {
                if (s.index() >= snapshot.index() && (at == null || !s.createdAt().isAfter(at))) {
                    sizes.add(s.size());
                }
            }
            return sizes;
        }
    }

    /** Fills bytes downloaded and the time the restored data represents from what the restore applied. */
    private static void applied(DrillRun run, Generation g, SqliteRestorer.Result result, Instant at) {
        Instant newest = Instant.EPOCH;
        long bytes = 0;
        for (Snapshot s : g.snapshots()) {
            if (s.index() == result.snapshotIndex()) {
                bytes += s.size();
                newest = s.createdAt();
            }
        }
        for (Segment s : g.segments()) {
            boolean used = s.index() >= result.snapshotIndex() && s.index() <= result.lastIndex()
                    && (s.index() < result.lastIndex() || s.offset() < result.lastOffsetEnd())
                    && (at == null || !s.createdAt().isAfter(at));
            if (used) {
                bytes += s.size();
                if (s.createdAt().isAfter(newest)) {
                    newest = s.createdAt();
                }
            }
        }
        run.storedBytes = bytes;
        run.backupTime = newest;
    }

    private static void integrity(DrillRun run, Connection c, String mode) throws SQLException {
        boolean full = DatabaseConfig.DRILL_INTEGRITY_FULL.equals(mode);
        List<String> problems = rows(c, full ? "PRAGMA integrity_check" : "PRAGMA quick_check");
        problems.removeIf("ok"::equals);
        String name = full ? "integrity_check" : "quick_check";
        run.check(CheckResult.builtin(name, problems.isEmpty(), problems.isEmpty() ? "ok" : String.join("; ", problems.subList(0, Math.min(3, problems.size()))),
                problems.isEmpty() ? name + " ok" : "PRAGMA " + name + " of backup " + run.backupId + " found " + problems.size() + " problem(s): " + problems.getFirst()));
        if (full) {
            List<String> fk = rows(c, "PRAGMA foreign_key_check");
            run.check(CheckResult.builtin("foreign_key_check", fk.isEmpty(), fk.isEmpty() ? "ok" : fk.size() + " violation(s)",
                    fk.isEmpty() ? "foreign_key_check ok" : "foreign_key_check found " + fk.size() + " row(s) pointing at missing parents, first in table " + fk.getFirst()));
        }
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /**
     * Compares row counts with the live database, but only when they should be equal: when neither the live file nor
     * its WAL changed after the newest replica object the restore applied. The live database is opened read-only.
     */
    private static void compareLive(DrillRun run, Connection restored) {
        Path live = run.config.path().map(Path::of).orElse(null);
        if (live == null || !Files.isRegularFile(live)) {
            return;
        }
        try {
            Instant changed = Files.getLastModifiedTime(live).toInstant();
            Path wal = live.resolveSibling(live.getFileName() + "-wal");
            if (Files.exists(wal)) {
                Instant walChanged = Files.getLastModifiedTime(wal).toInstant();
                changed = walChanged.isAfter(changed) ? walChanged : changed;
            }
            // Strictly before: store times may be truncated to whole seconds, so equal times prove nothing.
            if (run.backupTime == null || !changed.isBefore(run.backupTime)) {
                run.check(CheckResult.builtin("live-comparison", true, "skipped",
                        "live database changed at " + changed + ", after the restored position (" + run.backupTime + "): not comparable"));
                return;
            }
            Map<String, Long> restoredCounts = counts(restored);
            Map<String, Long> liveCounts;
            try (Connection c = openReadOnly(live)) {
                liveCounts = counts(c);
            }
            List<String> differences = new ArrayList<>();
            for (String table : new java.util.TreeSet<>(liveCounts.keySet())) {
                Long r = restoredCounts.get(table);
                if (!liveCounts.get(table).equals(r)) {
                    differences.add(table + ": " + (r == null ? "missing" : r + " rows") + " restored, " + liveCounts.get(table) + " live");
                }
            }
            restoredCounts.keySet().stream().filter(t -> !liveCounts.containsKey(t)).forEach(t -> differences.add(t + ": restored but not live"));
            run.check(CheckResult.builtin("live-comparison", differences.isEmpty(),
                    differences.isEmpty() ? liveCounts.size() + " tables, equal row counts" : String.join("; ", differences),
                    differences.isEmpty() ? "row counts of all " + liveCounts.size() + " tables equal the live database's"
                            : "restored backup " + run.backupId + " differs from the live database at the same position: " + String.join("; ", differences)));
        } catch (IOException | SQLException e) {
            run.check(CheckResult.builtin("live-comparison", true, "skipped", "live database not compared: " + e.getMessage()));
        }
    }

    private static Map<String, Long> counts(Connection c) throws SQLException {
        Map<String, Long> out = new TreeMap<>();
        for (String table : rows(c, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + table.replace("\"", "\"\"") + "\"")) {
                rs.next();
                out.put(table, rs.getLong(1));
            }
        }
        return out;
    }

    /** Read-only: a drill must never write the live database, and checks must not change the copy they check. */
    static Connection openReadOnly(Path db) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(5000);
        // The driver directly, not DriverManager: its registry is global and class-loader sensitive.
        return new org.sqlite.JDBC().connect("jdbc:sqlite:" + db.toAbsolutePath(), config.toProperties());
    }

    private static long liveSize(DatabaseConfig db) {
        Path live = db.path().map(Path::of).orElse(null);
        if (live == null) {
            return -1;
        }
        try {
            long size = Files.size(live);
            Path wal = live.resolveSibling(live.getFileName() + "-wal");
            return size + (Files.exists(wal) ? Files.size(wal) : 0);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Deletes scratch copies (and restore temporaries) a killed drill of this database left in {@code dir}. */
    static int removeLeftovers(Path dir, String prefix) {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix + "*")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
                removed++;
            }
        } catch (IOException e) {
            LOG.warnf("cannot remove leftover drill files in %s: %s", dir, e.getMessage());
        }
        if (removed > 0) {
            LOG.infof("removed %d file(s) left in %s by an interrupted drill", removed, dir);
        }
        return removed;
    }

    private static void deleteWithSidecars(Path db) {
        for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
            try {
                Files.deleteIfExists(db.resolveSibling(db.getFileName() + suffix));
            } catch (IOException e) {
                LOG.warnf("cannot delete drill scratch file %s%s: %s", db, suffix, e.getMessage());
            }
        }
    }
}
