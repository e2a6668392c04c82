package dev.lifeboat.pitr;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which PITR base backups and WAL objects to keep, by the times recorded in base-backup manifests (never by name).
 * Kept: the newest {@code keep-base-backups}; every base backup consistent within {@code period}; and the newest one
 * consistent before the window starts (a restore to the window's first moment starts from it). WAL is kept from the
 * oldest kept base backup's start on, on every timeline, with every history file. Nothing is deleted while there is
 * no base backup at all (the WAL may be all there is). A pure function: {@link BaseBackupService#prune} applies it.
 */
public final class PitrRetention {
    /** What to keep (each with why) and what to delete. */
    public record Plan(Map<BaseBackupManifest, String> keepBase, List<BaseBackupManifest> deleteBase,
                       Map<WalObject, String> keepWal, List<WalObject> deleteWal) {
    }

    private PitrRetention() {
    }

    /** {@code bases} oldest first by consistentAt. */
    public static Plan plan(List<BaseBackupManifest> bases, List<WalObject> wal, Instant now, Duration period, int keepBaseBackups) {
        Map<BaseBackupManifest, String> keep = new LinkedHashMap<>();
        List<BaseBackupManifest> delete = new ArrayList<>();
        Instant windowStart = now.minus(period);
        BaseBackupManifest anchor = bases.stream().filter(b -> !b.consistentAt().isAfter(windowStart)).reduce((a, b) -> b).orElse(null);
        for (int i = 0; i < bases.size(); i++) {
            BaseBackupManifest b = bases.get(i);
            List<String> why = new ArrayList<>();
            if (i >= bases.size() - keepBaseBackups) {
                why.add("one of the newest " + keepBaseBackups + " (pitr.retention.keep-base-backups)");
            }
            if (b.consistentAt().isAfter(windowStart)) {
                why.add("within pitr.retention.period (" + period + ")");
            }
            if (b == anchor) {
                why.add("restores to the start of the retention window (" + windowStart + ") begin from it");
            }
            if (why.isEmpty()) {
                delete.add(b);
            } else {
                keep.put(b, String.join("; ", why));
            }
        }
        Map<WalObject, String> keepWal = new LinkedHashMap<>();
        List<WalObject> deleteWal = new ArrayList<>();
        BaseBackupManifest oldestKept = keep.keySet().stream().findFirst().orElse(null);
        long segmentSize = oldestKept == null ? 16L << 20 : oldestKept.segmentSize();
        Lsn from = oldestKept == null ? null : Lsn.parse(oldestKept.startLsn()).segmentStart(segmentSize);
        for (WalObject o : wal) {
            if (from == null) {
                keepWal.put(o, "no base backup exists yet: all WAL is kept");
            } else if (o.isHistory()) {
                keepWal.put(o, "timeline history files are always kept");
            } else if (o.end(segmentSize).isAfter(from)) {
                keepWal.put(o, "needed by base backup " + oldestKept.id() + " (WAL from " + oldestKept.startLsn() + " on)");
            } else {
                deleteWal.add(o);
            }
        }
        return new Plan(keep, delete, keepWal, deleteWal);
    }
}
