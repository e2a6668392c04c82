package dev.lifeboat.sqlite;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.sqlite.ReplicaCatalog.Generation;
import dev.lifeboat.sqlite.ReplicaLayout.Segment;
import dev.lifeboat.sqlite.ReplicaLayout.Snapshot;
import dev.lifeboat.store.ObjectStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Rebuilds a database file from a replica (Litestream 0.3 layout, written by Lifeboat or by litestream): the chosen
 * snapshot, then each later WAL index replayed by SQLite itself (the segments of an index are joined into a
 * {@code -wal} file and a TRUNCATE checkpoint applies it). The result must pass {@code PRAGMA integrity_check}
 * before it is renamed into place; until then only a temporary file next to the target exists.
 */
public final class SqliteRestorer {
    private static final Logger LOG = Logger.getLogger(SqliteRestorer.class);

    /**
     * What to restore.
     *
     * @param output     where the database file goes
     * @param timestamp  restore the state as of this time (object times in the store), or null for the newest
     * @param generation restrict to this generation, or null to choose
     * @param maxIndex   with a generation: replay WAL up to and including this index, or null for all
     */
    public record Options(Path output, Instant timestamp, String generation, Integer maxIndex) {
    }

    /** What was restored. */
    public record Result(String generation, int snapshotIndex, int lastIndex, long lastOffsetEnd, long bytes) {
    }

    /**
     * Objects at least this large are decoded by several threads ({@link dev.lifeboat.stream.lz4.Lz4Frames#decompressInParallel};
     * snapshots always are): WAL segments reach 64 MiB under a busy app, while most are a few KiB, for which starting the decoder's threads would cost more than it saves.
     */
    static final long PARALLEL_DECODE_FROM = 1 << 20;

    private final ObjectStore store;
    private final ReplicaCodec codec;

    public SqliteRestorer(ObjectStore store) {
        this(store, ReplicaCodec.PLAIN);
    }

    /** A restorer decoding objects with {@code codec} (age identities for encrypted replicas). */
    public SqliteRestorer(ObjectStore store, ReplicaCodec codec) {
        this.store = store;
        this.codec = codec;
    }

    /** Chooses the generation and snapshot Litestream would, or empty when the replica holds nothing restorable. */
    public Optional<Generation> chooseGeneration(ReplicaCatalog catalog, Options o) {
        Generation best = null;
        for (Generation g : catalog.generations().values()) {
            if (g.snapshots().isEmpty() || (o.generation() != null && !o.generation().equals(g.name()))) {
                continue;
            }
            if (o.timestamp() != null && g.createdAt().isAfter(o.timestamp())) {
                continue;
            }
            if (best == null || g.updatedAt().isAfter(best.updatedAt())) {
                best = g;
            }
        }
        return Optional.ofNullable(best);
    }

    public Result restore(Options o) throws IOException {
        ReplicaCatalog catalog = ReplicaCatalog.load(store);
        Generation g = chooseGeneration(catalog, o).orElseThrow(() -> new UserFacingException(
                "no restorable generation in " + store.describe()
                        + (o.generation() != null ? " named " + o.generation() : "")
                        + (o.timestamp() != null ? " that existed at " + o.timestamp() : "")
                        + ": run 'lifeboat list' to see what the replica holds"));
        Snapshot snap = g.snapshots().stream()
                .filter(s -> o.maxIndex() == null || s.index() <= o.maxIndex())
                .filter(s -> o.timestamp() == null || !s.createdAt().isAfter(o.timestamp()))
                .max(Comparator.comparingInt(Snapshot::index).thenComparing(Snapshot::createdAt))
                .orElseThrow(() -> new UserFacingException("generation " + g.name() + " has no snapshot before the requested point"));

        Map<Integer, List<Segment>> byIndex = new TreeMap<>();
        for (Segment s : g.segments()) {
            if (s.index() < snap.index()) {
                continue;
            }
            if ((o.maxIndex() != null && s.index() > o.maxIndex()) || (o.timestamp() != null && s.createdAt().isAfter(o.timestamp()))) {
                break; // segments are time-ordered along (index, offset): nothing after this is wanted
            }
            byIndex.computeIfAbsent(s.index(), i -> new ArrayList<>()).add(s);
        }
        int expected = snap.index();
        for (int index : byIndex.keySet()) {
            if (index != expected++) {
                throw new IOException("replica is missing WAL index " + String.format("%08x", expected - 1) + " of generation " + g.name());
            }
        }

        Path out = o.output().toAbsolutePath();
        Files.createDirectories(out.getParent());
        Path tmp = out.resolveSibling(out.getFileName() + ".lifeboat-restore");
        deleteWithSidecars(tmp);
        long started = System.nanoTime();
        try {
            String snapshotKey = ReplicaLayout.snapshotKey(g.name(), snap.index());
            try (InputStream in = codec.decodeLarge(store.get(snapshotKey)); OutputStream os = new FlushingFileOutput(tmp)) {
                // Blocks are decompressed by the decoder's threads; this one checks the content checksum and writes.
                in.transferTo(os);
            } catch (IOException e) {
                throw new IOException("cannot restore snapshot " + snapshotKey + ": " + e.getMessage(), e);
            }
            long snapshotDone = System.nanoTime();
            int lastIndex = snap.index();
            long lastEnd = 0;
            for (var e : byIndex.entrySet()) {
                lastEnd = writeWal(SqliteFiles.wal(tmp), e.getValue());
                applyWal(tmp);
                lastIndex = e.getKey();
            }
            long walDone = System.nanoTime();
            // The file's fsync (needed before the rename) runs while SQLite checks it: both take a good part of a second
            // per GB, one in the disk, the other in a CPU.
            CompletableFuture<Void> fsync = inThread("lifeboat-restore-fsync", () -> SqliteFiles.fsync(tmp));
            List<String> problems;
            try {
                problems = SqliteFiles.integrityProblems(tmp);
            } catch (SQLException e) {
                throw new IOException("restored database cannot be opened: " + e.getMessage(), e);
            } finally {
                await(fsync);
            }
            if (!problems.isEmpty()) {
                throw new IOException("restored database fails integrity_check (" + String.join("; ", problems.subList(0, Math.min(3, problems.size())))
                        + "); it was not moved into place");
            }
            Files.deleteIfExists(SqliteFiles.wal(tmp));
            Files.deleteIfExists(SqliteFiles.shm(tmp));
            // A stale -wal next to the target would be replayed onto the restored file by the next opener.
            Files.deleteIfExists(SqliteFiles.wal(out));
            Files.deleteIfExists(SqliteFiles.shm(out));
            long bytes = Files.size(tmp);
            SqliteFiles.moveIntoPlace(tmp, out);
            long now = System.nanoTime();
            LOG.infof("restored %s from generation %s (snapshot %08x, WAL through %08x) in %d ms: snapshot %d ms, WAL %d ms, check and rename %d ms",
                    out, g.name(), snap.index(), lastIndex, (now - started) / 1_000_000, (snapshotDone - started) / 1_000_000,
                    (walDone - snapshotDone) / 1_000_000, (now - walDone) / 1_000_000);
            return new Result(g.name(), snap.index(), lastIndex, lastEnd, bytes);
        } finally {
            deleteWithSidecars(tmp);
        }
    }

    private interface IoTask {
        void run() throws IOException;
    }

    /** Runs {@code task} in a thread of its own (not a shared pool: it blocks on I/O). */
    private static CompletableFuture<Void> inThread(String name, IoTask task) {
        return CompletableFuture.runAsync(() -> {
            try {
                task.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            t.start();
        });
    }

    /** Waits for {@code f}; its IOException is rethrown as such. */
    private static void await(CompletableFuture<Void> f) throws IOException {
        try {
            f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw e;
        }
    }

    /** Joins one WAL index's segments, checking that each starts where the previous ended; returns the total length. */
    private long writeWal(Path wal, List<Segment> segments) throws IOException {
        long written = 0;
        try (OutputStream os = Files.newOutputStream(wal)) {
            for (Segment s : segments) {
                if (s.offset() != written) {
                    throw new IOException("WAL segments of generation " + s.generation() + " index " + String.format("%08x", s.index())
                            + " are not contiguous: expected offset " + written + ", found " + s.offset());
                }
                String key = ReplicaLayout.segmentKey(s.generation(), s.index(), s.offset());
                InputStream object = store.get(key);
                try (InputStream in = s.size() >= PARALLEL_DECODE_FROM ? codec.decodeLarge(object) : codec.decode(object)) {
                    written += in.transferTo(os);
                } catch (IOException e) {
                    throw new IOException("cannot restore WAL segment " + key + ": " + e.getMessage(), e);
                }
            }
        }
        return written;
    }

    private static void applyWal(Path db) throws IOException {
        Files.deleteIfExists(SqliteFiles.shm(db));
        try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            if (!rs.next() || rs.getInt(1) != 0) {
                throw new IOException("SQLite could not apply a restored WAL (checkpoint busy)");
            }
        } catch (SQLException e) {
            throw new IOException("SQLite could not apply a restored WAL: " + e.getMessage(), e);
        }
    }

    private static void deleteWithSidecars(Path db) throws IOException {
        Files.deleteIfExists(db);
        Files.deleteIfExists(SqliteFiles.wal(db));
        Files.deleteIfExists(SqliteFiles.shm(db));
    }
}
