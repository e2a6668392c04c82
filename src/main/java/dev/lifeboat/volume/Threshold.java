package dev.lifeboat.volume;

import dev.lifeboat.config.ByteSize;

/**
 * A minimum amount of something free, written as a percentage of the total ({@code 10%}) or an absolute amount
 * ({@code 500MiB} for space, {@code 10000} for inodes). The configuration validator has already checked the syntax.
 *
 * @param percent  the minimum as a percentage of the total, or -1 when {@code absolute} applies
 * @param absolute the minimum in bytes or inodes, or -1 when {@code percent} applies
 */
public record Threshold(double percent, long absolute) {

    /** Parses a threshold for free space (sizes allowed) or free inodes (plain counts). */
    public static Threshold parse(String text, boolean size) {
        String t = text.trim();
        if (t.endsWith("%")) {
            return new Threshold(Double.parseDouble(t.substring(0, t.length() - 1).trim()), -1);
        }
        return new Threshold(-1, size ? ByteSize.parse(t).bytes() : Long.parseUnsignedLong(t));
    }

    /** The minimum for a filesystem of {@code total} units. */
    public long minimum(long total) {
        return percent >= 0 ? (long) Math.ceil(total * percent / 100.0) : absolute;
    }

    /** True when {@code free} of {@code total} is at least the minimum. */
    public boolean satisfiedBy(long free, long total) {
        return free >= minimum(total);
    }

    @Override
    public String toString() {
        return percent >= 0 ? stripZeros(percent) + "%" : Long.toString(absolute);
    }

    private static String stripZeros(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
