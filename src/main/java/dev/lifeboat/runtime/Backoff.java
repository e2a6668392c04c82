package dev.lifeboat.runtime;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with "equal jitter", for alert deliveries and backup retries: after the n-th failed attempt
 * wait between half and all of {@code min(max, initial * 2^(n-1))}. The jitter spreads the retries of many agents
 * hitting one receiver or store; the lower half-bound keeps a struggling peer from being retried almost at once.
 */
public record Backoff(Duration initial, Duration max) {
    public Duration delay(int failedAttempts, RandomGenerator random) {
        long ceiling = ceiling(failedAttempts).toMillis();
        long half = ceiling / 2;
        return Duration.ofMillis(half + random.nextLong(ceiling - half + 1));
    }

    /** The wait before jitter. */
    public Duration ceiling(int failedAttempts) {
        int doublings = Math.max(0, Math.min(failedAttempts - 1, 40));
        long ms = initial.toMillis();
        for (int i = 0; i < doublings && ms < max.toMillis(); i++) {
            ms *= 2;
        }
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }
}
