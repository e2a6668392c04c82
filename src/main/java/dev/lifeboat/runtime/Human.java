package dev.lifeboat.runtime;

import java.time.Duration;
import java.util.Locale;

/** Short human renderings of durations and sizes for messages, alert summaries and logs. */
public final class Human {
    private Human() {
    }

    /** {@code 1d 2h}, {@code 26m}, {@code 1m 30s}, {@code 45s}, {@code 850ms}: the two largest units only. */
    public static String duration(Duration d) {
        long ms = Math.abs(d.toMillis());
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = ms / 1000;
        long days = s / 86400, hours = s % 86400 / 3600, minutes = s % 3600 / 60, seconds = s % 60;
        if (days > 0) {
            return days + "d" + (hours > 0 ? " " + hours + "h" : "");
        }
        if (hours > 0) {
            return hours + "h" + (minutes > 0 ? " " + minutes + "m" : "");
        }
        if (minutes > 0) {
            return minutes + "m" + (seconds > 0 ? " " + seconds + "s" : "");
        }
        return seconds + "s";
    }

    /** {@code 1.5 GiB}, {@code 512 B}. */
    public static String bytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** {@code 1.9ms}: a latency with a tenth of a millisecond. */
    public static String millis(Duration d) {
        return String.format(Locale.ROOT, "%.1fms", d.toNanos() / 1e6);
    }
}
