package dev.lifeboat.volume;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Estimates how fast a volume fills from recent samples of used bytes: a least-squares line through the samples of
 * the last {@link #WINDOW}. A least-squares slope is used rather than first-to-last so that one temporary file
 * created and deleted between two checks does not dominate the estimate.
 */
public final class GrowthTracker {
    /** Samples older than this are forgotten. */
    public static final Duration WINDOW = Duration.ofHours(1);
    /** At most this many samples are kept (one per check; at 30 s checks, one hour is 120). */
    static final int MAX_SAMPLES = 240;

    private record Sample(Instant at, long used) {
    }

    private final Deque<Sample> samples = new ArrayDeque<>();

    /** Records the bytes in use at {@code at}. */
    public synchronized void add(Instant at, long usedBytes) {
        samples.addLast(new Sample(at, usedBytes));
        while (samples.size() > MAX_SAMPLES || samples.getFirst().at().isBefore(at.minus(WINDOW))) {
            samples.removeFirst();
        }
    }

    /** Growth in bytes per second (negative when shrinking); empty until at least three samples exist. */
    public synchronized Optional<Double> bytesPerSecond() {
        if (samples.size() < 3) {
            return Optional.empty();
        }
        Instant origin = samples.getFirst().at();
        double n = samples.size();
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (Sample s : samples) {
            double x = Duration.between(origin, s.at()).toNanos() / 1e9;
            double y = s.used();
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double denominator = n * sxx - sx * sx;
        if (denominator <= 0) {
            return Optional.empty();
        }
        return Optional.of((n * sxy - sx * sy) / denominator);
    }

    /** Time until {@code freeBytes} are used up at the current rate; empty when not growing or not known. */
    public Optional<Duration> timeToFull(long freeBytes) {
        return bytesPerSecond().filter(rate -> rate > 0)
                .map(rate -> Duration.ofSeconds((long) Math.min(freeBytes / rate, Long.MAX_VALUE / 2e9)));
    }
}
