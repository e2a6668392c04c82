package dev.lifeboat.pitr;

import java.time.Instant;
import java.util.List;

/**
 * The time range a point-in-time restore can reach, as the destination shows it: from the oldest base backup's
 * consistency point to the newest archived WAL (its upload time: commits up to then are in it). {@code null} bounds
 * when there is no base backup or no WAL after it.
 *
 * @param from          earliest target: the oldest base backup's {@code consistentAt}
 * @param to            latest target: when the newest WAL object (segment or partial) was stored
 * @param newestWal     key of that object
 * @param baseBackups   how many base backups there are
 */
public record RestorableWindow(Instant from, Instant to, String newestWal, int baseBackups) {
    public static RestorableWindow of(List<BaseBackupManifest> bases, List<WalObject> wal) {
        WalObject newest = wal.stream().filter(o -> !o.isHistory())
                .max(java.util.Comparator.comparing(WalObject::lastModified)).orElse(null);
        Instant from = bases.isEmpty() ? null : bases.getFirst().consistentAt();
        Instant to = newest == null || from == null || newest.lastModified().isBefore(from) ? null : newest.lastModified();
        return new RestorableWindow(from, to, newest == null ? null : newest.key(), bases.size());
    }

    public String describe() {
        if (from == null) {
            return "restorable: nothing (no base backup yet)";
        }
        if (to == null) {
            return "restorable: nothing yet (no WAL archived after the oldest base backup's end)";
        }
        return "restorable: any moment from " + from + " to " + to + " (newest WAL object " + newestWal + ")";
    }
}
