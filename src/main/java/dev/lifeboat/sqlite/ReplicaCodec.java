package dev.lifeboat.sqlite;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.stream.age.Age;
import dev.lifeboat.stream.age.AgeIdentity;
import dev.lifeboat.stream.age.AgeKeys;
import dev.lifeboat.stream.age.AgeRecipient;
import dev.lifeboat.stream.lz4.Lz4Frames;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * How a replica's objects are encoded, as litestream 0.3.10+ does it: LZ4 frame, then (optionally) age encryption
 * to the configured recipients. Decoding needs one matching age identity for encrypted objects.
 */
public record ReplicaCodec(List<AgeRecipient> recipients, List<AgeIdentity> identities) {
    public static final ReplicaCodec PLAIN = new ReplicaCodec(List.of(), List.of());
    private static final byte[] AGE_MAGIC = "age-encryption.org/v1".getBytes(StandardCharsets.US_ASCII);

    /** The codec of {@code db}'s {@code encryption} settings (plain when absent). */
    public static ReplicaCodec of(DatabaseConfig db) throws IOException {
        if (db.encryption().isEmpty()) {
            return PLAIN;
        }
        return new ReplicaCodec(AgeKeys.recipients(db), AgeKeys.identities(db));
    }

    public boolean encrypts() {
        return !recipients.isEmpty();
    }

    /** Wraps an upload: closing the result finishes the LZ4 frame and the age stream, then closes {@code sink}. */
    public OutputStream encode(OutputStream sink) throws IOException {
        return Lz4Frames.compress(encrypts() ? Age.encrypt(sink, recipients) : sink);
    }

    /** Wraps a download; an encrypted object without an identity is a clear error, not an LZ4 one. */
    public InputStream decode(InputStream in) throws IOException {
        return decode(in, false);
    }

    /**
     * Wraps the download of a large object (a snapshot): its LZ4 blocks are decompressed by several threads
     * ({@link Lz4Frames#decompressInParallel}); close the result to stop them.
     */
    public InputStream decodeLarge(InputStream in) throws IOException {
        return decode(in, true);
    }

    private InputStream decode(InputStream in, boolean large) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, 64 * 1024);
        b.mark(AGE_MAGIC.length);
        byte[] head = b.readNBytes(AGE_MAGIC.length);
        b.reset();
        InputStream compressed = b;
        if (Arrays.equals(head, AGE_MAGIC)) {
            if (identities.isEmpty()) {
                b.close();
                throw new IOException("the replica is age-encrypted: set encryption.identity-files for this database to decrypt it");
            }
            compressed = Age.decrypt(b, identities);
        }
        return large ? Lz4Frames.decompressInParallel(compressed) : Lz4Frames.decompress(compressed);
    }
}
