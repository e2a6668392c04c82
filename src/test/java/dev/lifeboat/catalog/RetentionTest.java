package dev.lifeboat.catalog;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RetentionTest {
    static Manifest at(String id, String time) {
        Instant t = Instant.parse(time);
        return new Manifest(Manifest.FORMAT, id, "db", "postgres", "data/" + id, t, t.plusSeconds(60), 1, 1, "00",
                "zstd", null, "15", "15", Manifest.DUMP_FORMAT_CUSTOM, List.of(), Manifest.ROW_COUNTS_ESTIMATE);
    }

    static Set<String> ids(List<Manifest> ms) {
        return ms.stream().map(Manifest::id).collect(Collectors.toSet());
    }

    /** Ids sort in the opposite order of the manifests' times: retention must follow the times. */
    @Test
    void keepsByManifestTimeWhenNamesDisagree() {
        List<Manifest> all = new ArrayList<>(List.of(
                at("a", "2026-11-23T10:00:00Z"),   // newest; Monday, ISO week 48
                at("b", "2026-11-23T08:00:00Z"),   // same day, older
                at("c", "2026-11-22T23:00:00Z"),   // newest of Nov 22, a Sunday: newest of ISO week 47
                at("d", "2026-11-22T01:00:00Z"),
                at("e", "2026-11-16T12:00:00Z"),   // Monday of ISO week 47, older than c
                at("f", "2026-11-15T12:00:00Z"),   // Sunday, newest of ISO week 46
                at("g", "2026-10-31T12:00:00Z"),   // newest of October
                at("h", "2026-10-01T12:00:00Z"),
                at("i", "2026-09-30T12:00:00Z"),   // newest of September
                at("z", "2026-08-01T00:00:00Z")));  // oldest, and sorts last by name anyway
        java.util.Collections.shuffle(all, new java.util.Random(3));
        Retention.Plan plan = Retention.plan(all, new Retention.Policy(1, 2, 3, 3));
        // last 1: a. daily 2: a (Nov 23), c (Nov 22). weekly 3: a (W48), c (W47), f (W46).
        // monthly 3: a (Nov), g (Oct), i (Sep).
        assertEquals(Set.of("a", "c", "f", "g", "i"), ids(List.copyOf(plan.keep().keySet())));
        assertEquals(List.of("b", "d", "e", "h", "z"), plan.delete().stream().map(Manifest::id).toList(), "newest first");
    }

    @Test
    void keepLastAloneAndTheNewestIsAlwaysKept() {
        List<Manifest> all = List.of(at("x1", "2026-01-01T00:00:00Z"), at("x2", "2026-01-01T00:00:01Z"), at("x0", "2026-01-01T00:00:02Z"));
        assertEquals(Set.of("x0", "x2"), ids(List.copyOf(Retention.plan(all, new Retention.Policy(2, 0, 0, 0)).keep().keySet())));
        assertEquals(Set.of("x0"), ids(List.copyOf(Retention.plan(all, new Retention.Policy(0, 0, 0, 0)).keep().keySet())));
        assertEquals(0, Retention.plan(List.of(), new Retention.Policy(1, 1, 1, 1)).delete().size());
    }
}
