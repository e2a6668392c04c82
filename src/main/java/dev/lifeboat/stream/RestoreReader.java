package dev.lifeboat.stream;

import dev.lifeboat.stream.age.Age;
import dev.lifeboat.stream.age.AgeIdentity;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The read side of a backup, the mirror of {@link BackupWriter}: stored bytes → SHA-256 and count → age decryption
 * (when the backup is encrypted) → decompression → raw bytes. After the raw stream is consumed,
 * {@link #verify(String, long)} reads whatever the stages left and checks the checksum and size of the stored
 * object against its manifest.
 */
public final class RestoreReader extends InputStream {
    private final DigestingInputStream stored;
    private final InputStream raw;

    private RestoreReader(DigestingInputStream stored, InputStream raw) {
        this.stored = stored;
        this.raw = raw;
    }

    /**
     * Opens the stages behind {@code source}. {@code identities} must be non-empty exactly when the object is
     * encrypted; a mismatch surfaces as an IOException with a hint.
     */
    public static RestoreReader open(InputStream source, Compression compression, boolean encrypted, List<AgeIdentity> identities) throws IOException {
        DigestingInputStream stored = new DigestingInputStream(source);
        InputStream decrypted = stored;
        if (encrypted) {
            if (identities.isEmpty()) {
                throw new IOException("the backup is age-encrypted and no identity was given; set encryption.identity-files or pass --identity FILE");
            }
            decrypted = Age.decrypt(stored, identities);
        }
        return new RestoreReader(stored, compression.decompress(decrypted));
    }

    @Override
    public int read() throws IOException {
        return raw.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return raw.read(b, off, len);
    }

    /** Stored bytes read so far. */
    public long storedBytes() {
        return stored.count();
    }

    /**
     * Drains what is left of the stored object and compares its SHA-256 and size with the expected ones; throws
     * an IOException naming both checksums when they differ.
     */
    public void verify(String expectedSha256, long expectedSize) throws IOException {
        stored.drain();
        String actual = stored.sha256Hex();
        if (!actual.equalsIgnoreCase(expectedSha256) || stored.count() != expectedSize) {
            throw new IOException("checksum mismatch: the stored object has SHA-256 " + actual + " and " + stored.count()
                    + " bytes, its manifest says " + expectedSha256 + " and " + expectedSize + " bytes; the backup is damaged");
        }
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }
}
