package dev.lifeboat.alert;

import dev.lifeboat.config.ByteSize;
import dev.lifeboat.runtime.Human;

import java.time.Duration;
import java.util.Map;

/**
 * The volume rules: {@code volume-unmounted}, {@code volume-read-only}, {@code volume-low-space},
 * {@code volume-low-inodes} and {@code volume-slow-fsync}. The subject is the volume's name under {@code volumes:}.
 */
public final class VolumeRules {
    public static final String UNMOUNTED = "volume-unmounted";
    public static final String READ_ONLY = "volume-read-only";
    public static final String LOW_SPACE = "volume-low-space";
    public static final String LOW_INODES = "volume-low-inodes";
    public static final String SLOW_FSYNC = "volume-slow-fsync";

    private VolumeRules() {
    }

    /** The path is not a mount point: data written there lands on the machine's ephemeral root filesystem. */
    public static Condition unmounted(String volume, String path, boolean mounted) {
        return new Condition(UNMOUNTED, volume, Severity.CRITICAL, !mounted,
                mounted ? "volume " + volume + " is mounted at " + path
                        : path + " (volume " + volume + ") is not a mount point: data written there is lost when the machine restarts; check [mounts] in fly.toml",
                Map.of("volume", volume, "path", path), Map.of("mounted", Boolean.toString(mounted)));
    }

    /** The filesystem is mounted read-only (often after the kernel saw I/O errors). */
    public static Condition readOnly(String volume, String path, boolean readOnly) {
        return new Condition(READ_ONLY, volume, Severity.CRITICAL, readOnly,
                readOnly ? "volume " + volume + " at " + path + " is read-only: writes fail; the kernel may have remounted it after I/O errors"
                        : "volume " + volume + " is writable",
                Map.of("volume", volume, "path", path), Map.of("readOnly", Boolean.toString(readOnly)));
    }

    /**
     * @param minFree the volume's {@code min-free}: a percentage ({@code 10%}) or a size ({@code 500MiB})
     */
    public static Condition lowSpace(String volume, String path, long freeBytes, long totalBytes, String minFree) {
        boolean firing = below(freeBytes, totalBytes, minFree, true);
        return new Condition(LOW_SPACE, volume, Severity.WARNING, firing,
                "volume " + volume + " at " + path + " has " + Human.bytes(freeBytes) + " free of " + Human.bytes(totalBytes)
                        + " (minimum " + minFree + ")" + (firing ? "; extend it with fly volumes extend" : ""),
                Map.of("volume", volume, "path", path),
                Map.of("freeBytes", Long.toString(freeBytes), "totalBytes", Long.toString(totalBytes), "minFree", minFree));
    }

    /** @param minFreeInodes the volume's {@code min-free-inodes}: a percentage or a count */
    public static Condition lowInodes(String volume, String path, long freeInodes, long totalInodes, String minFreeInodes) {
        boolean firing = below(freeInodes, totalInodes, minFreeInodes, false);
        return new Condition(LOW_INODES, volume, Severity.WARNING, firing,
                "volume " + volume + " at " + path + " has " + freeInodes + " free inodes of " + totalInodes + " (minimum " + minFreeInodes + ")",
                Map.of("volume", volume, "path", path),
                Map.of("freeInodes", Long.toString(freeInodes), "totalInodes", Long.toString(totalInodes), "minFreeInodes", minFreeInodes));
    }

    /** @param fsyncTime how long the last probe write plus fsync took */
    public static Condition slowFsync(String volume, String path, Duration fsyncTime, Duration max) {
        boolean firing = fsyncTime.compareTo(max) > 0;
        return new Condition(SLOW_FSYNC, volume, Severity.WARNING, firing,
                "fsync on volume " + volume + " at " + path + " took " + Human.duration(fsyncTime) + " (limit " + Human.duration(max) + ")",
                Map.of("volume", volume, "path", path), Map.of("fsyncTime", fsyncTime.toString(), "max", max.toString()));
    }

    /** True when {@code free} is under {@code threshold}: {@code 10%} of {@code total}, or an absolute size/count. */
    static boolean below(long free, long total, String threshold, boolean sizeAllowed) {
        String t = threshold.trim();
        if (t.endsWith("%")) {
            double percent = Double.parseDouble(t.substring(0, t.length() - 1));
            return total > 0 && free * 100.0 / total < percent;
        }
        long min = sizeAllowed ? ByteSize.parse(t).bytes() : Long.parseLong(t);
        return free < min;
    }
}
