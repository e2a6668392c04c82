package dev.lifeboat.pitr;

import dev.lifeboat.store.FileStore;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.stream.age.AgeIdentity;
import dev.lifeboat.stream.age.AgeRecipient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The objects of a segment in progress as {@link SegmentEncoder} builds them: stored in a real file store and read
 * back through {@link WalArchive#fetch} (checksum first, then decode), each partial is the segment's prefix followed
 * by zeros and the complete one the segment, with zstd (frames reused), zstd and age, and gzip (re-encoded whole);
 * the zstd program reads a multi-frame partial as the archive does; a complete zstd segment is the same object
 * whichever partials came before it.
 */
class SegmentEncoderTest {
    /** Small enough to be quick, big enough for whole chunks of cached zero frames and a remainder. */
    static final int SEGMENT = 2 << 20;
    static final int[] PARTIAL_ENDS = {40, 300_000, 1_200_000, 1_200_001, 1_900_000};
    static final String NAME = "000000010000000000000004";

    @TempDir
    Path dir;

    /** WAL-like bytes: compressible records with some noise. */
    static byte[] wal() {
        byte[] b = new byte[SEGMENT];
        Random r = new Random(14);
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 97 < 60 ? i % 13 : r.nextInt(256));
        }
        return b;
    }

    @Test
    void zstdPartialsCompressLittleMoreThanTheirNewWalAndDecodeToThePaddedSegment() throws IOException {
        SegmentEncoder encoder = roundTrip(Compression.ZSTD, List.of(), List.of());
        // Each byte once in its chunk, plus, per partial, less than a chunk after its last whole chunk (and the next
        // segment's 1000 bytes) -- not the whole segment again for every partial.
        long bound = SEGMENT + (long) PARTIAL_ENDS.length * SegmentEncoder.CHUNK + 1000;
        assertTrue(encoder.compressedBytes() < bound, encoder.compressedBytes() + " bytes compressed, more than " + bound);
    }

    @Test
    void zstdAndAgePartialsDecryptAndDecode() throws IOException {
        AgeIdentity identity = AgeIdentity.generate();
        SegmentEncoder encoder = roundTrip(Compression.ZSTD, List.of(identity.recipient()), List.of(identity));
        assertTrue(encoder.compressedBytes() < SEGMENT + (long) PARTIAL_ENDS.length * SegmentEncoder.CHUNK + 1000);
    }

    @Test
    void aCompleteZstdSegmentDependsOnItsBytesOnly() throws IOException {
        byte[] wal = wal();
        SegmentEncoder afterPartials = new SegmentEncoder(Compression.ZSTD, List.of(), SEGMENT);
        for (int end : PARTIAL_ENDS) {
            afterPartials.partial(prefix(wal, end), end);
        }
        WalArchive.Encoded a = afterPartials.complete(wal);
        WalArchive.Encoded b = new SegmentEncoder(Compression.ZSTD, List.of(), SEGMENT).complete(wal);
        assertEquals(b.sha256(), a.sha256(), "the same WAL gives the same object, so a second upload of it is no conflict");
        assertArrayEquals(b.stored(), a.stored());
    }

    @Test
    void gzipPartialsAreEncodedWhole() throws IOException {
        SegmentEncoder encoder = roundTrip(Compression.GZIP, List.of(), List.of());
        assertEquals((long) SEGMENT * (PARTIAL_ENDS.length + 2), encoder.compressedBytes(), "every partial and the complete segment, and the next segment's partial");
    }

    @Test
    void theZstdProgramReadsAMultiFramePartial() throws Exception {
        byte[] segment = wal();
        SegmentEncoder encoder = new SegmentEncoder(Compression.ZSTD, List.of(), SEGMENT);
        encoder.partial(prefix(segment, 1_000_000), 1_000_000);
        WalArchive.Encoded e = encoder.partial(prefix(segment, 1_500_000), 1_500_000);
        Path in = Files.write(dir.resolve("partial.zst"), e.stored());
        Path out = dir.resolve("partial");
        Process p = new ProcessBuilder("zstd", "-q", "-d", in.toString(), "-o", out.toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), said);
        assertArrayEquals(prefix(segment, 1_500_000), Files.readAllBytes(out));
    }

    /** Stores partials at {@link #PARTIAL_ENDS} and the complete segment, reads each back, returns the encoder. */
    SegmentEncoder roundTrip(Compression compression, List<AgeRecipient> recipients, List<AgeIdentity> identities) throws IOException {
        byte[] wal = wal();
        FileStore store = new FileStore(dir.resolve("store"));
        WalArchive archive = new WalArchive(store, identities);
        SegmentEncoder encoder = new SegmentEncoder(compression, recipients, SEGMENT);
        for (int end : PARTIAL_ENDS) {
            byte[] received = prefix(wal, end);
            while (encoder.compressAhead(received, end)) {
                // what the archiver does while the stream is quiet
            }
            WalArchive.Encoded e = encoder.partial(received, end);
            String key = PitrLayout.partialKey(NAME, end, e.sha256(), compression, !recipients.isEmpty());
            assertArrayEquals(prefix(wal, end), fetch(archive, store, key, e), "partial up to " + end);
        }
        WalArchive.Encoded complete = encoder.complete(wal);
        String key = PitrLayout.walKey(NAME, complete.sha256(), compression, !recipients.isEmpty());
        assertArrayEquals(wal, fetch(archive, store, key, complete), "the complete segment");
        // The next segment starts afresh in the same encoder.
        byte[] next = prefix(wal, 1000);
        WalArchive.Encoded e = encoder.partial(next, 1000);
        assertArrayEquals(next, fetch(archive, store, PitrLayout.partialKey("000000010000000000000005", 1000, e.sha256(), compression,
                !recipients.isEmpty()), e));
        return encoder;
    }

    static byte[] fetch(WalArchive archive, FileStore store, String key, WalArchive.Encoded e) throws IOException {
        assertTrue(store.putIfAbsent(key, e.stored()));
        ObjectInfo info = store.stat(key).orElseThrow();
        return archive.fetch(PitrLayout.walObject(info));
    }

    /** The segment as the archiver holds it after {@code end} bytes: those, then zeros. */
    static byte[] prefix(byte[] wal, int end) {
        byte[] b = new byte[SEGMENT];
        System.arraycopy(wal, 0, b, 0, end);
        return b;
    }
}
