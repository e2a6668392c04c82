package dev.lifeboat.pitr;

import java.util.Locale;

/**
 * A WAL position (PostgreSQL's {@code pg_lsn}): a byte offset in the server's endless WAL stream, written
 * {@code 16/B374D848} (high and low 32 bits in hex). Ordered as unsigned 64-bit numbers.
 */
public record Lsn(long value) implements Comparable<Lsn> {
    public static final Lsn ZERO = new Lsn(0);

    /** Parses {@code X/Y} as PostgreSQL prints it. */
    public static Lsn parse(String text) {
        String[] parts = text.trim().split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("not an LSN (like 0/16B3748): '" + text + "'");
        }
        try {
            return new Lsn((Long.parseUnsignedLong(parts[0], 16) << 32) | Long.parseUnsignedLong(parts[1], 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN (like 0/16B3748): '" + text + "'");
        }
    }

    /** This position plus {@code bytes}. */
    public Lsn plus(long bytes) {
        return new Lsn(value + bytes);
    }

    /** Bytes from {@code earlier} to this position (0 when {@code earlier} is not earlier). */
    public long minus(Lsn earlier) {
        return Long.compareUnsigned(value, earlier.value) <= 0 ? 0 : value - earlier.value;
    }

    /** The start of the segment holding this position. */
    public Lsn segmentStart(long segmentSize) {
        return new Lsn(value - Long.remainderUnsigned(value, segmentSize));
    }

    /** The number of the segment holding this position. */
    public long segmentNumber(long segmentSize) {
        return Long.divideUnsigned(value, segmentSize);
    }

    /** Offset of this position inside its segment. */
    public int segmentOffset(long segmentSize) {
        return (int) Long.remainderUnsigned(value, segmentSize);
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
