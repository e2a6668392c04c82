package dev.lifeboat.sqlite;

import java.util.ArrayList;
import java.util.List;

/**
 * Replication lag of one database over the last hour, for the dashboard's chart: one slot per second of wall-clock
 * time holding the largest lag seen in that second (a sync every 100 ms and one every 10 s cost the same), indexed by
 * the second modulo {@link #SLOTS}, so old samples are overwritten and nothing needs trimming. Memory is fixed:
 * 3600 × (4-byte second + 4-byte float) = 28.8 KB per replicated database. In memory only: empty after a restart.
 */
public final class LagRing {
    static final int SLOTS = 3600;
    private final int[] seconds = new int[SLOTS];
    private final float[] lags = new float[SLOTS];

    /**
     * One sample of the lag.
     *
     * @param epochSecond start of the bucket (Unix time)
     * @param lagSeconds  the largest lag seen in it
     */
    public record Sample(long epochSecond, double lagSeconds) {
    }

    /** Records the lag seen at {@code epochMillis}. */
    public synchronized void record(long epochMillis, double lagSeconds) {
        int second = (int) (epochMillis / 1000);
        int slot = Math.floorMod(second, SLOTS);
        if (seconds[slot] != second) {
            seconds[slot] = second;
            lags[slot] = (float) lagSeconds;
        } else if (lagSeconds > lags[slot]) {
            lags[slot] = (float) lagSeconds;
        }
    }

    /**
     * The hour before {@code nowMillis} in buckets of {@code bucketSeconds}, oldest first, each the largest lag
     * recorded in it; buckets without a sample (before the agent started, or while syncing stalled without a sample)
     * are left out.
     */
    public synchronized List<Sample> lastHour(long nowMillis, int bucketSeconds) {
        int now = (int) (nowMillis / 1000);
        List<Sample> out = new ArrayList<>();
        long bucket = Long.MIN_VALUE;
        double max = -1;
        for (int second = now - SLOTS + 1; second <= now; second++) {
            int slot = Math.floorMod(second, SLOTS);
            if (seconds[slot] != second) {
                continue;
            }
            long b = second - Math.floorMod(second, bucketSeconds);
            if (b != bucket) {
                if (bucket != Long.MIN_VALUE) {
                    out.add(new Sample(bucket, max));
                }
                bucket = b;
                max = -1;
            }
            max = Math.max(max, lags[slot]);
        }
        if (bucket != Long.MIN_VALUE) {
            out.add(new Sample(bucket, max));
        }
        return out;
    }
}
