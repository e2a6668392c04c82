package dev.lifeboat.sqlite;

import dev.lifeboat.sqlite.ReplicaLayout.Segment;
import dev.lifeboat.sqlite.ReplicaLayout.Snapshot;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** What one listing of a replica holds, grouped by generation. Built with one LIST of {@code generations/}. */
public final class ReplicaCatalog {
    private final Map<String, Generation> generations = new TreeMap<>();

    /** One generation's snapshots and WAL segments, each sorted by index (and offset). */
    public record Generation(String name, List<Snapshot> snapshots, List<Segment> segments) {
        public Instant createdAt() {
            return times().min(Comparator.naturalOrder()).orElse(Instant.EPOCH);
        }

        public Instant updatedAt() {
            return times().max(Comparator.naturalOrder()).orElse(Instant.EPOCH);
        }

        private java.util.stream.Stream<Instant> times() {
            return java.util.stream.Stream.concat(snapshots.stream().map(Snapshot::createdAt), segments.stream().map(Segment::createdAt));
        }

        public Optional<Snapshot> latestSnapshot() {
            return snapshots.stream().max(Comparator.comparing(Snapshot::createdAt).thenComparingInt(Snapshot::index));
        }
    }

    public static ReplicaCatalog load(ObjectStore store) throws IOException {
        return of(store.list(ReplicaLayout.GENERATIONS));
    }

    public static ReplicaCatalog of(List<ObjectInfo> objects) {
        ReplicaCatalog c = new ReplicaCatalog();
        for (ObjectInfo o : objects) {
            Snapshot s = ReplicaLayout.snapshot(o);
            if (s != null) {
                c.generation(s.generation()).snapshots().add(s);
            }
            Segment w = ReplicaLayout.segment(o);
            if (w != null) {
                c.generation(w.generation()).segments().add(w);
            }
        }
        for (Generation g : c.generations.values()) {
            g.snapshots().sort(Comparator.comparingInt(Snapshot::index));
            g.segments().sort(Comparator.comparingInt(Segment::index).thenComparingLong(Segment::offset));
        }
        return c;
    }

    private Generation generation(String name) {
        return generations.computeIfAbsent(name, n -> new Generation(n, new ArrayList<>(), new ArrayList<>()));
    }

    public Map<String, Generation> generations() {
        return generations;
    }

    public Optional<Generation> get(String name) {
        return Optional.ofNullable(generations.get(name));
    }

    public boolean isEmpty() {
        return generations.values().stream().noneMatch(g -> !g.snapshots().isEmpty());
    }
}
