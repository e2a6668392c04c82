package dev.lifeboat.volume;

import java.time.Duration;
import java.util.Locale;

/** Short human forms of durations and sizes for messages ({@code 3d 4h}, {@code 12.0 MiB}). */
final class Durations {
    private Durations() {
    }

    static String human(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 1 && d.toMillis() > 0 || d.isZero()) {
            return d.toMillis() + "ms";
        }
        if (s < 120) {
            return s + "s";
        }
        if (s < 2 * 3600) {
            return s / 60 + "m";
        }
        if (s < 2 * 86400) {
            return s / 3600 + "h" + (s % 3600 / 60 > 0 ? " " + s % 3600 / 60 + "m" : "");
        }
        return s / 86400 + "d" + (s % 86400 / 3600 > 0 ? " " + s % 86400 / 3600 + "h" : "");
    }

    static String bytes(long b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? b + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String millis(Duration d) {
        return String.format(Locale.ROOT, "%.1fms", d.toNanos() / 1e6);
    }
}
