package dev.lifeboat.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size written the way people write it: {@code 512}, {@code 64KiB}, {@code 16MiB}, {@code 2GB}, {@code 10%} is not a size. */
public record ByteSize(long bytes) {
    private static final Pattern SYNTAX = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);

    /** Parses {@code 123}, {@code 10kB}, {@code 16MiB}, {@code 1.5G}; decimal units are powers of 1000, "i" units of 1024. */
    public static ByteSize parse(String text) {
        Matcher m = SYNTAX.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write e.g. 512MiB, 2GB or 1048576");
        }
        double number = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long base = unit.contains("i") ? 1024 : 1000;
        int power = switch (unit.charAt(0)) {
            case 'k' -> 1;
            case 'm' -> 2;
            case 'g' -> 3;
            case 't' -> 4;
            default -> 0;
        };
        return new ByteSize((long) (number * Math.pow(base, power)));
    }

    /** Every form {@link #parseWithUnit} accepts, as listed in messages. */
    public static final String FORMS = "512KiB, 16MiB, 2GiB (powers of 1024), 500kB, 16MB, 2GB (powers of 1000) or 4096B";

    /**
     * Like {@link #parse} but a bare number is refused: in the configuration {@code part-size: 16} reads as 16 bytes
     * to the parser and as 16 MiB to a reader, so a size key needs its unit.
     */
    public static ByteSize parseWithUnit(String text) {
        if (text.trim().matches("\\d+(\\.\\d+)?")) {
            throw new IllegalArgumentException("'" + text.trim() + "' is a bare number: write a size with its unit, one of " + FORMS);
        }
        return parse(text);
    }

    /** Used by SmallRye Config's implicit converter lookup. */
    public static ByteSize valueOf(String text) {
        return parse(text);
    }

    @Override
    public String toString() {
        return bytes + "B";
    }
}
