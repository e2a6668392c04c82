package dev.lifeboat.pitr;

import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.stream.Compression;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The WAL a restore prefetches ({@link WalPrefetchPlan}) is what PostgreSQL will ask for, in its order: the history
 * files of the newest timeline, then from the base backup's start segment the complete segments of the timeline that
 * had begun by then (the new timeline's copy of the switch segment, not the old one's partial), up to the first
 * segment the archive holds only as a partial; and a conflict of two complete objects picks the oldest, as every reader.
 */
class WalPrefetchPlanTest {
    private static final long SEGMENT = 16L << 20;
    private static final Instant T0 = Instant.parse("2026-12-05T01:00:00Z");

    static WalObject object(String fileName, int partialEnd, String sha, int minute) {
        String key = partialEnd >= 0 ? PitrLayout.partialKey(fileName, partialEnd, sha, Compression.ZSTD, false)
                : PitrLayout.walKey(fileName, sha, Compression.ZSTD, false);
        return PitrLayout.walObject(new ObjectInfo(key, 100, T0.plusSeconds(60L * minute)));
    }

    static String sha(int i) {
        return String.format("%064x", i);
    }

    static BaseBackupManifest base(String startFile) {
        return new BaseBackupManifest(1, "b", "app", T0, T0, T0, "0/2000028", "0/2000100", 1, startFile, "7", "l", "", List.of(),
                List.of(), "zstd", null, "15.18", "15.18", SEGMENT);
    }

    private static List<String> names(List<WalObject> plan) {
        return plan.stream().map(o -> o.fileName() + (o.isPartial() ? "~" : "") + "@" + o.storedSha256().substring(60)).toList();
    }

    @Test
    void followsTheNewestTimelineAndStopsAtThePartial() throws Exception {
        List<WalObject> listing = new ArrayList<>();
        listing.add(object("000000010000000000000001", -1, sha(0x1), 0)); // before the base backup
        listing.add(object("000000010000000000000002", -1, sha(0x2), 1));
        listing.add(object("000000010000000000000003", -1, sha(0x3), 2));
        listing.add(object("000000010000000000000004", 0x100, sha(0x4), 3)); // TL 1 up to its switch point
        listing.add(object("00000002.history", -1, sha(0x20), 3));
        listing.add(object("000000020000000000000004", -1, sha(0x24), 4)); // the switch segment again on TL 2
        listing.add(object("000000020000000000000005", -1, sha(0x25), 5));
        listing.add(object("000000020000000000000005", -1, sha(0x26), 6)); // a conflict: the older one is read
        listing.add(object("000000020000000000000006", 0x200, sha(0x27), 7)); // the segment in progress
        listing.add(object("000000020000000000000006", 0x100, sha(0x28), 6));
        byte[] history = "1\t0/4000100\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8);
        List<WalObject> plan = WalPrefetchPlan.plan(listing, base("000000010000000000000002"), new RecoveryTarget.Latest(), h -> history);
        assertEquals(List.of("00000002.history@0020", "000000010000000000000002@0002", "000000010000000000000003@0003",
                "000000020000000000000004@0024", "000000020000000000000005@0025"), names(plan));

        List<WalObject> toLsn = WalPrefetchPlan.plan(listing, base("000000010000000000000002"), new RecoveryTarget.Position(Lsn.parse("0/3000100")), h -> history);
        assertEquals(List.of("00000002.history@0020", "000000010000000000000002@0002", "000000010000000000000003@0003"), names(toLsn));

        // stored at minute 1 and 2 are before the target plus the clock margin; the first stored after it is the last
        List<WalObject> toTime = WalPrefetchPlan.plan(listing, base("000000010000000000000002"),
                new RecoveryTarget.Time(T0.plusSeconds(60)), h -> history);
        assertEquals(List.of("00000002.history@0020", "000000010000000000000002@0002", "000000010000000000000003@0003",
                "000000020000000000000004@0024"), names(toTime));
    }

    @Test
    void withoutNewerTimelinesItReadsTheBackupsOwnAndStopsAtAGap() throws Exception {
        List<WalObject> listing = List.of(object("000000010000000000000002", -1, sha(0x2), 1), object("000000010000000000000003", -1, sha(0x3), 2),
                object("000000010000000000000005", -1, sha(0x5), 3), object("00000003.history", -1, sha(0x30), 3));
        List<WalObject> plan = WalPrefetchPlan.plan(listing, base("000000010000000000000002"), new RecoveryTarget.Latest(), h -> {
            throw new AssertionError("no history is read: timeline 2 has none, so recovery stays on 1");
        });
        assertEquals(List.of("000000010000000000000002@0002", "000000010000000000000003@0003"), names(plan));
    }
}
