package dev.lifeboat.sqlite;

import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.AuditReport.Problem;
import dev.lifeboat.sqlite.ReplicaCatalog.Generation;
import dev.lifeboat.sqlite.ReplicaLayout.Segment;
import dev.lifeboat.sqlite.ReplicaLayout.Snapshot;
import dev.lifeboat.store.ObjectStore;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Checks that a SQLite replica's newest point is restorable from what the destination lists: the generation a
 * restore would read has its snapshot, and the WAL from the snapshot's index on is a chain with no missing index (each
 * index starts at offset 0). When the replicator runs in this process its {@link ShippedLedger} also says what was
 * shipped, so a listing that holds fewer segments or fewer bytes of an index than were shipped is damage too (a
 * wiped or truncated object). One listing of the generation, no downloads; {@code deep} also downloads and decodes
 * the snapshot and every segment of the chain (LZ4 content checksums, age MACs) and checks that the segments of each
 * index follow each other byte for byte.
 */
final class ReplicaAudit {
    private final ObjectStore store;
    private final ReplicaCodec codec;
    private int requests;

    ReplicaAudit(ObjectStore store, ReplicaCodec codec) {
        this.store = store;
        this.codec = codec;
    }

    /** Audits the generation {@code ledger} says is current, or (without one) the generation a restore would pick. */
    AuditReport audit(String database, ShippedLedger.View ledger, boolean deep) throws IOException {
        Instant now = Instant.now();
        Generation g;
        if (ledger != null) {
            g = list(ReplicaLayout.generationPrefix(ledger.generation())).get(ledger.generation())
                    .orElse(new Generation(ledger.generation(), List.of(), List.of()));
        } else {
            // What restore picks: the generation updated last (one without a snapshot there is damage, not skipped).
            g = list(ReplicaLayout.GENERATIONS).generations().values().stream()
                    .max(Comparator.comparing(Generation::updatedAt)).orElse(null);
            if (g == null) {
                return new AuditReport(database, now, null, false, null, List.of(), List.of(), requests, deep);
            }
        }
        List<Problem> problems = new ArrayList<>();
        Instant newestObject = check(g, ledger, problems);
        if (deep && problems.isEmpty()) {
            deepCheck(g, ledger, problems);
        }
        int lastIndex = Math.max(g.segments().isEmpty() ? 0 : g.segments().getLast().index(), ledger == null ? 0 : ledger.lastIndex());
        String newest = String.format("generation %s index %08x", g.name(), lastIndex);
        boolean intact = problems.isEmpty();
        return new AuditReport(database, now, newest, intact, intact ? newestObject : null, problems,
                intact ? List.of() : List.of(g.name()), requests, deep);
    }

    private ReplicaCatalog list(String prefix) throws IOException {
        requests++;
        return ReplicaCatalog.of(store.list(prefix));
    }

    /** Adds what is missing or wrong in {@code g} to {@code problems}; returns the newest object's time of the chain. */
    private static Instant check(Generation g, ShippedLedger.View ledger, List<Problem> problems) {
        Snapshot snap;
        if (ledger != null) {
            String key = ReplicaLayout.snapshotKey(g.name(), ledger.snapshotIndex());
            snap = g.snapshots().stream().filter(s -> s.index() == ledger.snapshotIndex()).findFirst().orElse(null);
            if (snap == null) {
                problems.add(new Problem(key, "missing (the snapshot every restore of this generation starts from)"));
            } else if (snap.size() != ledger.snapshotSize()) {
                problems.add(new Problem(key, "size " + snap.size() + " bytes, shipped " + ledger.snapshotSize()));
            }
        } else {
            snap = g.snapshots().stream().max(Comparator.comparingInt(Snapshot::index)).orElse(null);
            if (snap == null) {
                problems.add(new Problem(ReplicaLayout.generationPrefix(g.name()) + "snapshots/",
                        "missing: generation " + g.name() + " has WAL but no snapshot to restore it from"));
            }
        }
        int from = ledger != null ? ledger.snapshotIndex() : snap == null ? 0 : snap.index();
        Instant newest = snap == null ? Instant.EPOCH : snap.createdAt();
        TreeMap<Integer, List<Segment>> byIndex = new TreeMap<>();
        for (Segment s : g.segments()) {
            if (s.index() < from) {
                continue;
            }
            ShippedLedger.Tally shipped = ledger == null ? null : ledger.indexes().get(s.index());
            if (ledger != null && (shipped == null || s.offset() > shipped.lastOffset())) {
                continue; // shipped after the ledger was read: the next audit counts it
            }
            byIndex.computeIfAbsent(s.index(), i -> new ArrayList<>()).add(s);
            if (s.size() == 0) {
                problems.add(new Problem(ReplicaLayout.segmentKey(g.name(), s.index(), s.offset()), "empty object"));
            }
            if (s.createdAt().isAfter(newest)) {
                newest = s.createdAt();
            }
        }
        int last = Math.max(byIndex.isEmpty() ? from : byIndex.lastKey(), ledger == null ? from : ledger.lastIndex());
        for (int i = from; i <= last; i++) {
            List<Segment> listed = byIndex.getOrDefault(i, List.of());
            ShippedLedger.Tally shipped = ledger == null ? null : ledger.indexes().get(i);
            if (shipped != null) {
                long bytes = listed.stream().mapToLong(Segment::size).sum();
                if (listed.size() != shipped.count() || bytes != shipped.bytes()) {
                    problems.add(new Problem(ReplicaLayout.generationPrefix(g.name()) + String.format("wal/%08x_*", i),
                            listed.size() + " of " + shipped.count() + " shipped segments listed (" + bytes + " of " + shipped.bytes() + " bytes)"));
                    continue;
                }
            }
            boolean mustExist = i > from || shipped != null;
            if (mustExist && (listed.isEmpty() || listed.getFirst().offset() != 0)) {
                problems.add(new Problem(ReplicaLayout.segmentKey(g.name(), i, 0), "missing (WAL index " + String.format("%08x", i)
                        + " must start at offset 0 for the chain to continue)"));
            }
        }
        return newest;
    }

    /** Downloads and decodes the chain: every object must decode, and each index's segments must follow each other. */
    private void deepCheck(Generation g, ShippedLedger.View ledger, List<Problem> problems) {
        Snapshot snap = g.snapshots().stream()
                .filter(s -> ledger == null || s.index() == ledger.snapshotIndex())
                .max(Comparator.comparingInt(Snapshot::index)).orElseThrow();
        String snapKey = ReplicaLayout.snapshotKey(g.name(), snap.index());
        try {
            decodedLength(snapKey, true);
        } catch (IOException e) {
            problems.add(new Problem(snapKey, "unreadable: " + e.getMessage()));
        }
        long expected = 0;
        int index = -1;
        for (Segment s : g.segments()) {
            if (s.index() < snap.index()) {
                continue;
            }
            if (s.index() != index) {
                index = s.index();
                expected = 0;
            }
            String key = ReplicaLayout.segmentKey(g.name(), s.index(), s.offset());
            if (s.offset() != expected) {
                problems.add(new Problem(key, "starts at offset " + s.offset() + " but the index's previous segment ends at " + expected));
            }
            try {
                expected = s.offset() + decodedLength(key, false);
            } catch (IOException e) {
                problems.add(new Problem(key, "unreadable: " + e.getMessage()));
                expected = -1;
            }
        }
    }

    private long decodedLength(String key, boolean large) throws IOException {
        requests++;
        try (InputStream in = large ? codec.decodeLarge(store.get(key)) : codec.decode(store.get(key))) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }
}
