package dev.lifeboat.volume;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The outcome of one check of one configured volume: what was measured, and the list of failing conditions.
 *
 * <p>For alerting (issue 7): a volume is healthy when {@link #failing()} is empty; each {@link Condition} is one
 * alert subject ({@code volume} + {@code kind}) with a severity ({@link Condition.Kind#severity()}) and a reason.
 * Reports are kept by {@link VolumeMonitor#reports()} and fired as CDI events after every check, so a rule engine
 * can either poll or {@code @Observes VolumeReport}. {@link VolumeStatus} is its JSON view.
 *
 * <p>Measurements that were not taken (the path is missing, the volume is remote, no {@code stat} tool) are null.
 *
 * @param volume              name of the volume under {@code volumes}
 * @param path                configured path
 * @param sequence            number of this check of this volume (1, 2, ...); tells "within two checks" apart from time
 * @param checkedAt           when the check finished
 * @param mounted             the path is on a mount of its own, distinct from the root filesystem
 * @param mountPoint          mount point holding the path
 * @param fsType              filesystem type of that mount
 * @param source              mount source ({@code /dev/vdb})
 * @param readOnly            the mount or its filesystem is read-only
 * @param totalBytes          size of the filesystem
 * @param freeBytes           bytes still usable by an unprivileged writer
 * @param totalInodes         inodes of the filesystem
 * @param freeInodes          free inodes
 * @param fsyncLatency        how long the probe's fsync took
 * @param growthBytesPerSecond recent growth of used bytes (negative when shrinking)
 * @param timeToFull          time until full at that rate, when growing
 * @param databases           names of the databases whose files were checked to be on this volume
 * @param fly                 what the Fly Machines API said, when asked
 * @param failing             failing conditions, empty when healthy
 */
public record VolumeReport(String volume, String path, long sequence, Instant checkedAt,
                           Boolean mounted, String mountPoint, String fsType, String source, Boolean readOnly,
                           Long totalBytes, Long freeBytes, Long totalInodes, Long freeInodes,
                           Duration fsyncLatency, Double growthBytesPerSecond, Duration timeToFull,
                           List<String> databases, FlyFindings fly, List<Condition> failing) {

    public VolumeReport {
        databases = List.copyOf(databases);
        failing = List.copyOf(failing);
    }

    /** True when no check failed. */
    public boolean healthy() {
        return failing.isEmpty();
    }

    /** True when a condition of {@code kind} is failing. */
    public boolean has(Condition.Kind kind) {
        return failing.stream().anyMatch(c -> c.kind() == kind);
    }

    /** True when a failing condition makes the volume unsafe for database files ({@link Condition.Kind#blocksWrites()}). */
    public boolean blocksWrites() {
        return failing.stream().anyMatch(c -> c.kind().blocksWrites());
    }

    /** This report with {@code condition} added to the failing ones. */
    public VolumeReport with(Condition condition) {
        List<Condition> more = new java.util.ArrayList<>(failing);
        more.add(condition);
        return new VolumeReport(volume, path, sequence, checkedAt, mounted, mountPoint, fsType, source, readOnly, totalBytes,
                freeBytes, totalInodes, freeInodes, fsyncLatency, growthBytesPerSecond, timeToFull, databases, fly, more);
    }
}
