package dev.lifeboat.stream;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Passes bytes through while counting them and computing their SHA-256, so a backup's checksum costs no second
 * read. {@link #close()} flushes but never closes the target: the target is usually an upload, whose close
 * without completion means abort.
 */
public final class DigestingOutputStream extends FilterOutputStream {
    private final MessageDigest sha256 = Sha256.newDigest();
    private long count;
    private String hex;

    public DigestingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        sha256.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        sha256.update(b, off, len);
        count += len;
    }

    /** Bytes written so far. */
    public long count() {
        return count;
    }

    /** Lower-case hex SHA-256 of everything written; ends the digest, so call it once writing is over. */
    public String sha256Hex() {
        if (hex == null) {
            hex = HexFormat.of().formatHex(sha256.digest());
        }
        return hex;
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }
}
