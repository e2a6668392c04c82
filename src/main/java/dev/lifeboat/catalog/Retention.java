package dev.lifeboat.catalog;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Grandfather-father-son retention over manifest times ({@link Manifest#startedAt()}, in UTC), never over names:
 * <ul>
 *   <li>{@code keepLast}: the newest N backups;</li>
 *   <li>{@code keepDaily}/{@code keepWeekly}/{@code keepMonthly}: the newest backup of each of the N most recent
 *   calendar days / ISO weeks / months that have a backup (periods without a backup do not count).</li>
 * </ul>
 * A backup is kept when any rule keeps it; the newest backup is always kept.
 */
public final class Retention {
    /** The rules; 0 disables one. */
    public record Policy(int keepLast, int keepDaily, int keepWeekly, int keepMonthly) {
    }

    /**
     * What to keep (with the rules that keep each, for {@code prune --dry-run}) and what to delete, both newest first.
     */
    public record Plan(Map<Manifest, List<String>> keep, List<Manifest> delete) {
    }

    private Retention() {
    }

    public static Plan plan(List<Manifest> backups, Policy policy) {
        List<Manifest> newestFirst = new ArrayList<>(backups);
        newestFirst.sort(Comparator.comparing(Manifest::startedAt).thenComparing(Manifest::id).reversed());
        Map<Manifest, List<String>> keep = new LinkedHashMap<>();
        for (int i = 0; i < Math.min(policy.keepLast(), newestFirst.size()); i++) {
            reason(keep, newestFirst.get(i), "last " + policy.keepLast());
        }
        periodic(newestFirst, policy.keepDaily(), "daily", t -> t.toLocalDate().toString(), keep);
        periodic(newestFirst, policy.keepWeekly(), "weekly",
                t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), keep);
        periodic(newestFirst, policy.keepMonthly(), "monthly", t -> t.getYear() + "-" + t.getMonthValue(), keep);
        if (!newestFirst.isEmpty()) {
            reason(keep, newestFirst.getFirst(), "newest");
        }
        Map<Manifest, List<String>> ordered = new LinkedHashMap<>();
        List<Manifest> delete = new ArrayList<>();
        for (Manifest m : newestFirst) {
            if (keep.containsKey(m)) {
                ordered.put(m, keep.get(m));
            } else {
                delete.add(m);
            }
        }
        return new Plan(ordered, delete);
    }

    private static void periodic(List<Manifest> newestFirst, int count, String name, Function<ZonedDateTime, String> period,
                                 Map<Manifest, List<String>> keep) {
        TreeSet<String> seen = new TreeSet<>();
        for (Manifest m : newestFirst) {
            if (seen.size() >= count) {
                return;
            }
            if (seen.add(period.apply(m.startedAt().atZone(ZoneOffset.UTC)))) {
                reason(keep, m, name + " " + period.apply(m.startedAt().atZone(ZoneOffset.UTC)));
            }
        }
    }

    private static void reason(Map<Manifest, List<String>> keep, Manifest m, String why) {
        keep.computeIfAbsent(m, k -> new ArrayList<>()).add(why);
    }
}
