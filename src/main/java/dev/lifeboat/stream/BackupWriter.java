package dev.lifeboat.stream;

import dev.lifeboat.stream.age.Age;
import dev.lifeboat.stream.age.AgeRecipient;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * The write side of a backup: raw bytes → compression → age encryption (when there are recipients) → SHA-256 and
 * byte count → sink. The stages are chosen by configuration and interchangeable; memory is a few buffers
 * whatever the length.
 *
 * <p>{@link #close()} finishes every stage's format but leaves the sink open: the sink is typically an
 * {@link dev.lifeboat.store.Upload} that the caller must {@code complete()} (closing it would abort). After close,
 * {@link #rawBytes()}, {@link #storedBytes()} and {@link #storedSha256()} describe what was written.
 */
public final class BackupWriter extends OutputStream {
    private final DigestingOutputStream stored;
    private final OutputStream head;
    private long raw;
    private boolean closed;

    private BackupWriter(DigestingOutputStream stored, OutputStream head) {
        this.stored = stored;
        this.head = head;
    }

    /** Opens the stages in front of {@code sink}; no recipients means no encryption. */
    public static BackupWriter open(OutputStream sink, Compression compression, List<AgeRecipient> recipients) throws IOException {
        DigestingOutputStream stored = new DigestingOutputStream(sink);
        OutputStream encrypted = recipients.isEmpty() ? stored : Age.encrypt(stored, recipients);
        return new BackupWriter(stored, compression.compress(encrypted));
    }

    @Override
    public void write(int b) throws IOException {
        head.write(b);
        raw++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        head.write(b, off, len);
        raw += len;
    }

    @Override
    public void flush() throws IOException {
        head.flush();
    }

    /** Finishes compression and encryption; the sink stays open. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            head.close();
        }
    }

    /** Bytes that entered the first stage. */
    public long rawBytes() {
        return raw;
    }

    /** Bytes that reached the sink. */
    public long storedBytes() {
        return stored.count();
    }

    /** Hex SHA-256 of the bytes that reached the sink; only after {@link #close()}. */
    public String storedSha256() {
        if (!closed) {
            throw new IllegalStateException("the checksum is known only once the stream is closed");
        }
        return stored.sha256Hex();
    }
}
