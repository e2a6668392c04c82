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

    /** Used by SmallRye Config's implicit converter lookup. */
    public static ByteSize valueOf(String text) {
        return parse(text);
    }

    @Override
    public String toString() {
        return bytes + "B";
    }
}
