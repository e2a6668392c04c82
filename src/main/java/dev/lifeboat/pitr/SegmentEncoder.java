package dev.lifeboat.pitr;

import dev.lifeboat.stream.BackupWriter;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.stream.Sha256;
import dev.lifeboat.stream.age.AgeRecipient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Encodes the objects of one segment in progress (partials, then the complete segment) so that a partial does not
 * compress the whole segment again. A zstd stream may hold several frames and decodes to their concatenation
 * ({@code zstd -d} and the archive's own reader both do), so a zstd object is built from frames: one per
 * {@link #CHUNK} of the segment (at fixed offsets, compressed once and kept here), then, for a partial, a frame of the
 * WAL after the last whole chunk (compressed for that partial only) and frames of zeros up to the segment's size (a
 * cached frame of {@link #CHUNK} zeros, repeated). So a partial compresses less than a chunk of WAL it did not before
 * and a few zeros, and a complete segment's object depends on its bytes only (the same WAL gives the same object and
 * key, as when segments were one frame). Objects keep {@link PitrLayout}'s format: a partial still decodes to the
 * whole zero-padded segment, so every reader, old or new, takes them unchanged. Without encryption the SHA-256 of
 * the kept frames is kept too (a digest cloned per object); with age the (compressed) object is encrypted whole each
 * time, as age streams cannot be appended to. While the stream is quiet the archiver compresses whole chunks ahead
 * ({@link #compressAhead}), so an object mostly waits for its upload, not its encoding.
 *
 * <p>gzip and no compression encode the whole segment every time ({@link WalArchive#encode}): gzip members can be
 * concatenated too, but JDK 21's {@code GZIPInputStream} may stop at a member boundary behind a decrypting stream.
 *
 * <p>Memory: the frames of one segment (its compressed size, at most about a segment when WAL does not compress),
 * reused from segment to segment, plus a chunk of zeros to compress a short tail.
 */
final class SegmentEncoder {
    /** Bytes per kept frame and per cached frame of zeros: the smallest segment size divides by it (1 MiB). */
    static final int CHUNK = 1 << 20;

    private final Compression compression;
    private final List<AgeRecipient> recipients;
    private final int segmentSize;
    private final boolean incremental;
    /** The compressed frames of segment[0, encodedEnd), one per chunk, in order. */
    private final Frames frames;
    private final MessageDigest framesDigest = Sha256.newDigest();
    /** A multiple of {@link #CHUNK}. */
    private int encodedEnd;
    private byte[] zeroChunkFrame;
    private byte[] zeros;
    /** WAL bytes compressed since this encoder was made (a diagnostic of the work a partial costs). */
    private long compressedBytes;

    SegmentEncoder(Compression compression, List<AgeRecipient> recipients, int segmentSize) {
        if (segmentSize % CHUNK != 0) {
            throw new IllegalArgumentException("a WAL segment size is a power of two of at least 1 MiB, not " + segmentSize);
        }
        this.compression = compression;
        this.recipients = recipients;
        this.segmentSize = segmentSize;
        this.incremental = compression == Compression.ZSTD;
        this.frames = new Frames(segmentSize + segmentSize / 16);
    }

    /**
     * The partial of {@code segment[0, end)} followed by zeros; {@code segment} holds the same bytes as at the last
     * call up to where that call ended (it only grew since), and zeros after {@code end}.
     */
    WalArchive.Encoded partial(byte[] segment, int end) throws IOException {
        if (!incremental) {
            compressedBytes += segmentSize;
            return WalArchive.encode(segment, segmentSize, compression, recipients);
        }
        keepChunks(segment, end);
        ByteArrayOutputStream tail = new ByteArrayOutputStream(1024);
        if (end > encodedEnd) {
            compress(segment, encodedEnd, end - encodedEnd, tail);
            compressedBytes += end - encodedEnd;
        }
        zeroTail(segmentSize - end, tail);
        return assemble(tail.toByteArray());
    }

    /**
     * Compresses, while the stream is quiet, the next whole chunk of WAL received but not compressed yet, if there is
     * one, so that the next object costs little more than its upload; false when there was nothing to do.
     */
    boolean compressAhead(byte[] segment, int end) throws IOException {
        if (!incremental || end - encodedEnd < CHUNK) {
            return false;
        }
        keepChunk(segment);
        return true;
    }

    /** The complete segment; the encoder then starts the next segment. */
    WalArchive.Encoded complete(byte[] segment) throws IOException {
        WalArchive.Encoded e;
        if (!incremental) {
            compressedBytes += segmentSize;
            e = WalArchive.encode(segment, segmentSize, compression, recipients);
        } else {
            keepChunks(segment, segmentSize);
            e = assemble(new byte[0]);
        }
        reset();
        return e;
    }

    /** Forgets the segment in progress (its frames), keeping the buffers. */
    void reset() {
        frames.reset();
        framesDigest.reset();
        encodedEnd = 0;
    }

    long compressedBytes() {
        return compressedBytes;
    }

    private void keepChunks(byte[] segment, int end) throws IOException {
        if (end < encodedEnd) {
            throw new IllegalStateException("segment shrank from " + encodedEnd + " to " + end + " bytes");
        }
        while (end - encodedEnd >= CHUNK) {
            keepChunk(segment);
        }
    }

    private void keepChunk(byte[] segment) throws IOException {
        int before = frames.size();
        compress(segment, encodedEnd, CHUNK, frames);
        framesDigest.update(frames.array(), before, frames.size() - before);
        compressedBytes += CHUNK;
        encodedEnd += CHUNK;
    }

    /** Appends frames decoding to {@code count} zeros: a short frame for the remainder, then cached whole chunks. */
    private void zeroTail(int count, OutputStream out) throws IOException {
        if (count == 0) {
            return;
        }
        if (zeroChunkFrame == null) {
            zeros = new byte[CHUNK];
            ByteArrayOutputStream frame = new ByteArrayOutputStream(256);
            compress(zeros, 0, CHUNK, frame);
            zeroChunkFrame = frame.toByteArray();
        }
        if (count % CHUNK > 0) {
            compress(zeros, 0, count % CHUNK, out);
        }
        for (int i = 0; i < count / CHUNK; i++) {
            out.write(zeroChunkFrame);
        }
    }

    /** Appends one frame of {@code raw[offset, offset + length)}. */
    private void compress(byte[] raw, int offset, int length, OutputStream out) throws IOException {
        try (OutputStream z = compression.compress(out)) {
            z.write(raw, offset, length);
        }
    }

    /** The cached frames and then {@code tail}, through age when there are recipients. */
    private WalArchive.Encoded assemble(byte[] tail) throws IOException {
        if (recipients.isEmpty()) {
            byte[] stored = Arrays.copyOf(frames.array(), frames.size() + tail.length);
            System.arraycopy(tail, 0, stored, frames.size(), tail.length);
            MessageDigest sha;
            try {
                sha = (MessageDigest) framesDigest.clone();
            } catch (CloneNotSupportedException e) {
                sha = Sha256.newDigest();
                sha.update(frames.array(), 0, frames.size());
            }
            sha.update(tail);
            return new WalArchive.Encoded(stored, HexFormat.of().formatHex(sha.digest()));
        }
        ByteArrayOutputStream sink = new ByteArrayOutputStream(frames.size() + tail.length + 1024);
        BackupWriter writer = BackupWriter.open(sink, Compression.NONE, recipients);
        writer.write(frames.array(), 0, frames.size());
        writer.write(tail, 0, tail.length);
        writer.close();
        return new WalArchive.Encoded(sink.toByteArray(), writer.storedSha256());
    }

    /**
     * A byte buffer that lends its array (the frames are copied once, into the stored object) and grows by doubling
     * only up to {@code soft} (a little over a segment, what incompressible WAL needs), not to twice that.
     */
    private static final class Frames extends ByteArrayOutputStream {
        private final int soft;

        Frames(int soft) {
            super(256 * 1024);
            this.soft = soft;
        }

        byte[] array() {
            return buf;
        }

        @Override
        public void write(int b) {
            ensure(count + 1);
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(count + len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        private void ensure(int needed) {
            if (needed > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(needed, Math.min(buf.length * 2, soft)));
            }
        }
    }
}
