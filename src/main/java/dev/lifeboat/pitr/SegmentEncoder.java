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
 * Encodes the objects of one segment in progress (partials, then the complete segment) so that each WAL byte is
 * compressed once, however many partials store it. A zstd stream may hold several frames and decodes to their
 * concatenation ({@code zstd -d} and the archive's own reader both do), so a zstd object is built from frames:
 * one per stretch of WAL new since the previous object of the segment, kept compressed here, then, for a partial,
 * frames of zeros up to the segment's size (a cached frame of {@link #ZERO_CHUNK} zeros, repeated). Objects keep
 * {@link PitrLayout}'s format: a partial still decodes to the whole zero-padded segment, so every reader, old or new,
 * takes them unchanged. Without encryption the SHA-256 of the cached frames is kept too (a digest cloned per object),
 * so only the new frame and the zeros are hashed; with age the (compressed, small) object is encrypted whole each
 * time, as age streams cannot be appended to. While the stream is quiet the archiver compresses ahead
 * ({@link #compressAhead}), so a partial or a complete segment mostly waits for its upload, not its encoding.
 *
 * <p>gzip and no compression encode the whole segment every time ({@link WalArchive#encode}): gzip members can be
 * concatenated too, but JDK 21's {@code GZIPInputStream} may stop at a member boundary behind a decrypting stream.
 *
 * <p>Memory: the frames of one segment (its compressed size, at most about a segment when WAL does not compress),
 * reused from segment to segment, plus one frame of {@link #ZERO_CHUNK} zeros to compress a short tail.
 */
final class SegmentEncoder {
    /** zeros per cached frame; at most the smallest segment size (1 MiB). */
    static final int ZERO_CHUNK = 1 << 20;
    /** WAL compressed ahead per call of {@link #compressAhead}: a short pause, a frame long enough to compress well. */
    static final int AHEAD = 1 << 20;

    private final Compression compression;
    private final List<AgeRecipient> recipients;
    private final int segmentSize;
    private final boolean incremental;
    /** The compressed frames of segment[0, encodedEnd), in order. */
    private final Frames frames;
    private final MessageDigest framesDigest = Sha256.newDigest();
    private int encodedEnd;
    private byte[] zeroChunkFrame;
    private byte[] zeros;
    /** WAL bytes compressed since this encoder was made (a diagnostic: each byte once with zstd). */
    private long compressedBytes;

    SegmentEncoder(Compression compression, List<AgeRecipient> recipients, int segmentSize) {
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
        appendFrame(segment, end);
        return assemble(zeroTail(segmentSize - end));
    }

    /**
     * Compresses, while the stream is quiet, {@link #AHEAD} bytes of WAL received but not compressed yet, when there
     * are that many, so that the next object costs little more than its upload; false when there was nothing to do.
     */
    boolean compressAhead(byte[] segment, int end) throws IOException {
        if (!incremental || end - encodedEnd < AHEAD) {
            return false;
        }
        appendFrame(segment, encodedEnd + AHEAD);
        return true;
    }

    /** The complete segment; the encoder then starts the next segment. */
    WalArchive.Encoded complete(byte[] segment) throws IOException {
        WalArchive.Encoded e;
        if (!incremental) {
            compressedBytes += segmentSize;
            e = WalArchive.encode(segment, segmentSize, compression, recipients);
        } else {
            appendFrame(segment, segmentSize);
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

    private void appendFrame(byte[] segment, int end) throws IOException {
        if (end < encodedEnd) {
            throw new IllegalStateException("segment shrank from " + encodedEnd + " to " + end + " bytes");
        }
        if (end == encodedEnd) {
            return;
        }
        int before = frames.size();
        try (OutputStream z = compression.compress(frames)) {
            z.write(segment, encodedEnd, end - encodedEnd);
        }
        framesDigest.update(frames.array(), before, frames.size() - before);
        compressedBytes += end - encodedEnd;
        encodedEnd = end;
    }

    /** Frames decoding to {@code count} zeros: a short frame for the remainder, then cached whole chunks. */
    private byte[] zeroTail(int count) throws IOException {
        if (count == 0) {
            return new byte[0];
        }
        if (zeroChunkFrame == null) {
            zeros = new byte[Math.min(ZERO_CHUNK, segmentSize)];
            zeroChunkFrame = compressed(zeros, zeros.length);
        }
        int whole = count / zeros.length;
        byte[] head = compressed(zeros, count % zeros.length);
        byte[] tail = Arrays.copyOf(head, head.length + whole * zeroChunkFrame.length);
        for (int i = 0; i < whole; i++) {
            System.arraycopy(zeroChunkFrame, 0, tail, head.length + i * zeroChunkFrame.length, zeroChunkFrame.length);
        }
        return tail;
    }

    private byte[] compressed(byte[] raw, int length) throws IOException {
        if (length == 0) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (OutputStream z = compression.compress(out)) {
            z.write(raw, 0, length);
        }
        return out.toByteArray();
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
