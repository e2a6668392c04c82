package dev.lifeboat.stream.lz4;

import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Lifeboat's xxHash32 against lz4-java's (the reference here): every length around the 16-byte stripes, any split. */
class XxHash32Test {
    @Test
    void matchesLz4JavaForEveryLengthSeedAndSplit() {
        Random r = new Random(42);
        for (int n = 0; n < 300; n++) {
            byte[] b = new byte[n];
            r.nextBytes(b);
            for (int seed : new int[]{0, 1, r.nextInt()}) {
                var reference = XXHashFactory.safeInstance().newStreamingHash32(seed);
                XxHash32 ours = new XxHash32(seed);
                for (int off = 0; off < n; ) {
                    int k = Math.min(n - off, 1 + r.nextInt(37));
                    reference.update(b, off, k);
                    ours.update(b, off, k);
                    off += k;
                }
                assertEquals(reference.getValue(), ours.value(), "length " + n + " seed " + seed);
                assertEquals(XXHashFactory.safeInstance().hash32().hash(b, 0, n, seed), XxHash32.hash(b, 0, n, seed));
                ours.reset();
                ours.update(b, 0, n);
                assertEquals(reference.getValue(), ours.value(), "after reset, length " + n);
            }
        }
    }
}
