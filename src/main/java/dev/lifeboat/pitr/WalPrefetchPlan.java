package dev.lifeboat.pitr;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which archived WAL objects a restore will ask for, in the order PostgreSQL asks, so that {@link WalSpool} can fetch
 * them before it does. It follows PostgreSQL's {@code recovery_target_timeline = 'latest'}: the newest timeline is the
 * last of an unbroken run of history files after the base backup's timeline, and each segment from the base backup's
 * start on is read from the newest timeline of that history that had begun by then. The plan holds those history
 * files, then complete segments in order; it stops at the first segment the archive holds only as a partial or not
 * at all (those are answered when asked, from the archive as it is then), at the segment of an LSN target, and after
 * the first segment stored later than a time target (plus {@link #CLOCK_MARGIN}).
 *
 * <p>A plan is only a guess of what will be asked: an object in it that is never asked for costs a download, a
 * file asked for outside it is fetched when asked. What the server replays never depends on it.
 */
final class WalPrefetchPlan {
    /** Clock difference allowed between the database server and the store when comparing a time target with upload times. */
    static final Duration CLOCK_MARGIN = Duration.ofMinutes(1);

    /** Reads a history object (small: read whole). */
    @FunctionalInterface
    interface HistoryReader {
        byte[] read(WalObject history) throws IOException;
    }

    private WalPrefetchPlan() {
    }

    /** A timeline of the followed history and where it began. */
    private record Span(int timeline, Lsn begin) {
    }

    static List<WalObject> plan(List<WalObject> listing, BaseBackupManifest base, RecoveryTarget target, HistoryReader histories) throws IOException {
        long segmentSize = base.segmentSize();
        Map<String, List<WalObject>> byName = new HashMap<>();
        for (WalObject o : listing) {
            byName.computeIfAbsent(o.fileName(), k -> new ArrayList<>()).add(o);
        }
        List<WalObject> plan = new ArrayList<>();
        int newest = base.timeline();
        while (byName.containsKey(WalFileName.history(newest + 1))) {
            newest++;
            plan.add(WalArchive.choose(byName.get(WalFileName.history(newest))).orElseThrow());
        }
        List<Span> spans = spans(base.timeline(), newest, newest == base.timeline() ? null
                : TimelineHistory.parse(newest, histories.read(plan.getLast())));
        long first = WalFileName.segmentNumber(base.startWalFile(), segmentSize);
        for (long segno = first; ; segno++) {
            Optional<WalObject> chosen = Optional.empty();
            for (Span span : spans.reversed()) {
                if (span.begin().segmentNumber(segmentSize) > segno) {
                    continue;
                }
                List<WalObject> objects = byName.get(WalFileName.segment(span.timeline(), segno, segmentSize));
                if (objects != null) {
                    chosen = WalArchive.choose(objects);
                    break;
                }
            }
            if (chosen.isEmpty() || chosen.get().isPartial()) {
                return plan;
            }
            plan.add(chosen.get());
            boolean past = switch (target) {
                case RecoveryTarget.Latest l -> false;
                case RecoveryTarget.Position p -> segno >= p.lsn().segmentNumber(segmentSize);
                case RecoveryTarget.Time t -> chosen.get().lastModified().isAfter(t.at().plus(CLOCK_MARGIN));
            };
            if (past) {
                return plan;
            }
        }
    }

    /** The timelines recovery follows, oldest first, each with where it began. */
    private static List<Span> spans(int baseTimeline, int newest, TimelineHistory history) {
        if (history == null) {
            return List.of(new Span(baseTimeline, Lsn.ZERO));
        }
        TreeMap<Integer, Lsn> begins = new TreeMap<>();
        Lsn begin = Lsn.ZERO;
        for (TimelineHistory.Entry e : history.entries()) {
            begins.put(e.timeline(), begin);
            begin = e.switchPoint();
        }
        begins.put(newest, begin);
        List<Span> spans = new ArrayList<>();
        begins.forEach((t, b) -> spans.add(new Span(t, b)));
        return spans;
    }
}
