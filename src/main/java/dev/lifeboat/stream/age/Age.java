package dev.lifeboat.stream.age;

import javax.crypto.Cipher;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * age v1 encryption (age-encryption.org/v1) with X25519 recipients, in pure Java on the JDK's primitives, so an
 * encrypted backup decrypts with the stock {@code age -d -i key.txt} and files from {@code age -r} decrypt here.
 *
 * <p>The format, as specified by the age project: a text header with one {@code -> X25519 <ephemeral share>}
 * stanza per recipient, each wrapping the random 16-byte file key with ChaCha20-Poly1305 under
 * HKDF-SHA256(X25519 shared secret, salt = share ‖ recipient, "age-encryption.org/v1/X25519"); a header MAC
 * (HMAC-SHA256 keyed by HKDF(file key, "header")) over the header up to {@code ---}; then a 16-byte nonce and the
 * payload in 64 KiB ChaCha20-Poly1305 STREAM chunks keyed by HKDF(file key, salt = nonce, "payload"), whose
 * 12-byte nonces are an 11-byte big-endian chunk counter and a last-chunk flag. Every chunk is authenticated, so
 * truncation or tampering is detected while streaming, and memory stays at one chunk.
 */
public final class Age {
    static final String VERSION_LINE = "age-encryption.org/v1";
    static final String X25519_LABEL = "age-encryption.org/v1/X25519";
    static final int FILE_KEY_SIZE = 16;
    static final int CHUNK_SIZE = 64 * 1024;
    static final int TAG_SIZE = 16;
    static final int NONCE_SIZE = 16;
    private static final int COLUMNS = 64;
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADER = 1024 * 1024;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Age() {
    }

    /**
     * Wraps {@code out}: bytes written are encrypted to every recipient. The header is written at once; closing
     * the returned stream writes the final chunk and closes {@code out}.
     */
    public static OutputStream encrypt(OutputStream out, List<AgeRecipient> recipients) throws IOException {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("age encryption needs at least one recipient");
        }
        byte[] fileKey = random(FILE_KEY_SIZE);
        try {
            StringBuilder header = new StringBuilder(VERSION_LINE).append('\n');
            for (AgeRecipient r : recipients) {
                byte[] ephemeral = random(Primitives.KEY_SIZE);
                byte[] share = Primitives.x25519Base(ephemeral);
                byte[] shared = Primitives.x25519(ephemeral, r.publicKey());
                byte[] wrapKey = Primitives.hkdf(shared, concat(share, r.publicKey()), X25519_LABEL);
                byte[] body = Primitives.chacha(Cipher.ENCRYPT_MODE, wrapKey, new byte[12]).doFinal(fileKey);
                header.append("-> X25519 ").append(B64.encodeToString(share)).append('\n');
                appendWrapped(header, B64.encodeToString(body));
            }
            header.append("---");
            byte[] macInput = header.toString().getBytes(StandardCharsets.US_ASCII);
            byte[] mac = Primitives.hmac(Primitives.hkdf(fileKey, new byte[0], "header"), macInput);
            header.append(' ').append(B64.encodeToString(mac)).append('\n');
            out.write(header.toString().getBytes(StandardCharsets.US_ASCII));
            byte[] nonce = random(NONCE_SIZE);
            out.write(nonce);
            return new EncryptingStream(out, Primitives.hkdf(fileKey, nonce, "payload"));
        } catch (GeneralSecurityException e) {
            throw new IOException("age encryption failed: " + e.getMessage(), e);
        }
    }

    /**
     * Wraps {@code in}: reads give the plaintext. The header is read and checked now; the exception says whether
     * none of {@code identities} matches a recipient (and which recipients' stanzas exist) or the data is damaged.
     * A damaged, truncated or tampered payload fails the read that reaches it.
     */
    public static InputStream decrypt(InputStream in, List<AgeIdentity> identities) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, CHUNK_SIZE);
        ByteArrayOutputStream headerBytes = new ByteArrayOutputStream();
        if (!VERSION_LINE.equals(readLine(buffered, headerBytes))) {
            throw new IOException("not an age v1 file (no age-encryption.org/v1 header); is this backup encrypted?");
        }
        byte[] fileKey = null;
        int x25519Stanzas = 0;
        String line = readLine(buffered, headerBytes);
        try {
            while (line.startsWith("-> ")) {
                String[] args = line.substring(3).split(" ", -1);
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                String bodyLine;
                do {
                    bodyLine = readLine(buffered, headerBytes);
                    if (bodyLine.length() > COLUMNS) {
                        throw new IOException("malformed age header: stanza body line longer than 64 columns");
                    }
                    body.write(base64(bodyLine));
                } while (bodyLine.length() == COLUMNS);
                if (args[0].equals("X25519")) {
                    x25519Stanzas++;
                    if (args.length != 2) {
                        throw new IOException("malformed age header: X25519 stanza needs exactly one argument");
                    }
                    if (fileKey == null) {
                        fileKey = unwrap(base64(args[1]), body.toByteArray(), identities);
                    }
                }
                line = readLine(buffered, headerBytes);
            }
            if (!line.startsWith("--- ")) {
                throw new IOException("malformed age header: expected '---' line");
            }
            if (fileKey == null) {
                throw new IOException(x25519Stanzas == 0
                        ? "the age file has no X25519 recipient stanza; it was encrypted with a passphrase or another key type"
                        : "none of the " + identities.size() + " age identities matches any of the file's " + x25519Stanzas
                        + " X25519 recipient(s); use the identity file of a recipient listed in encryption.recipients when the backup was taken");
            }
            byte[] all = headerBytes.toByteArray();
            byte[] macInput = java.util.Arrays.copyOf(all, all.length - (line.length() - 3) - 1);
            byte[] expected = Primitives.hmac(Primitives.hkdf(fileKey, new byte[0], "header"), macInput);
            if (!MessageDigest.isEqual(expected, base64(line.substring(4)))) {
                throw new IOException("age header MAC does not verify: the file's header was altered");
            }
            byte[] nonce = buffered.readNBytes(NONCE_SIZE);
            if (nonce.length != NONCE_SIZE) {
                throw new IOException("age file truncated: no payload nonce");
            }
            return new DecryptingStream(buffered, Primitives.hkdf(fileKey, nonce, "payload"));
        } catch (GeneralSecurityException e) {
            throw new IOException("age decryption failed: " + e.getMessage(), e);
        }
    }

    private static byte[] unwrap(byte[] share, byte[] body, List<AgeIdentity> identities) throws IOException, GeneralSecurityException {
        if (share.length != Primitives.KEY_SIZE || body.length != FILE_KEY_SIZE + TAG_SIZE) {
            throw new IOException("malformed age header: X25519 stanza of the wrong size");
        }
        for (AgeIdentity identity : identities) {
            byte[] shared;
            try {
                shared = Primitives.x25519(identity.secret(), share);
            } catch (GeneralSecurityException lowOrderPoint) {
                throw new IOException("malformed age header: X25519 share is a low-order point");
            }
            byte[] wrapKey = Primitives.hkdf(shared, concat(share, identity.recipient().publicKey()), X25519_LABEL);
            byte[] fileKey = Primitives.open(wrapKey, new byte[12], body);
            if (fileKey != null) {
                return fileKey;
            }
        }
        return null;
    }

    private static String readLine(InputStream in, ByteArrayOutputStream header) throws IOException {
        StringBuilder s = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("age file truncated inside its header");
            }
            header.write(b);
            if (header.size() > MAX_HEADER || s.length() > MAX_LINE) {
                throw new IOException("malformed age header: too long");
            }
            if (b == '\n') {
                return s.toString();
            }
            if (b < 0x20 || b > 0x7e) {
                throw new IOException("malformed age header: not printable ASCII");
            }
            s.append((char) b);
        }
    }

    private static byte[] base64(String text) throws IOException {
        if (text.indexOf('=') >= 0) {
            throw new IOException("malformed age header: padded base64");
        }
        try {
            return B64D.decode(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("malformed age header: bad base64");
        }
    }

    private static void appendWrapped(StringBuilder header, String b64) {
        int i = 0;
        // Every full 64-column line is followed by another line; the last is shorter than 64 (possibly empty).
        while (b64.length() - i >= COLUMNS) {
            header.append(b64, i, i + COLUMNS).append('\n');
            i += COLUMNS;
        }
        header.append(b64, i, b64.length()).append('\n');
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] chunkNonce(long counter, boolean last) {
        byte[] nonce = new byte[12];
        for (int i = 0; i < 8; i++) {
            nonce[10 - i] = (byte) (counter >>> 8 * i);
        }
        nonce[11] = (byte) (last ? 1 : 0);
        return nonce;
    }

    /** Buffers one chunk of plaintext; a full chunk is sealed only once more data proves it is not the last. */
    private static final class EncryptingStream extends OutputStream {
        private final OutputStream out;
        private final byte[] key;
        private final byte[] plain = new byte[CHUNK_SIZE];
        private final byte[] sealed = new byte[CHUNK_SIZE + TAG_SIZE];
        private final Cipher cipher;
        private int filled;
        private long counter;
        private boolean closed;

        EncryptingStream(OutputStream out, byte[] key) throws GeneralSecurityException {
            this.out = out;
            this.key = key;
            this.cipher = Cipher.getInstance("ChaCha20-Poly1305");
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("age stream already closed");
            }
            while (len > 0) {
                if (filled == CHUNK_SIZE) {
                    seal(false);
                }
                int n = Math.min(len, CHUNK_SIZE - filled);
                System.arraycopy(b, off, plain, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        private void seal(boolean last) throws IOException {
            try {
                cipher.init(Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "ChaCha20"),
                        new javax.crypto.spec.IvParameterSpec(chunkNonce(counter, last)));
                int n = cipher.doFinal(plain, 0, filled, sealed, 0);
                out.write(sealed, 0, n);
            } catch (GeneralSecurityException e) {
                throw new IOException("age encryption failed: " + e.getMessage(), e);
            }
            counter++;
            filled = 0;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                seal(true);
                out.close();
            }
        }
    }

    /** Reads one sealed chunk ahead to learn whether it is the last, then authenticates and serves it. */
    private static final class DecryptingStream extends InputStream {
        private final PushbackInputStream in;
        private final byte[] key;
        private final byte[] sealed = new byte[CHUNK_SIZE + TAG_SIZE];
        private final byte[] plain = new byte[CHUNK_SIZE];
        private final Cipher cipher;
        private int position;
        private int available;
        private long counter;
        private boolean lastDone;

        DecryptingStream(InputStream in, byte[] key) throws GeneralSecurityException {
            this.in = new PushbackInputStream(in, 1);
            this.key = key;
            this.cipher = Cipher.getInstance("ChaCha20-Poly1305");
        }

        private boolean fill() throws IOException {
            while (position == available) {
                if (lastDone) {
                    return false;
                }
                int n = in.readNBytes(sealed, 0, sealed.length);
                boolean last;
                if (n < sealed.length) {
                    last = true;
                } else {
                    int next = in.read();
                    last = next < 0;
                    if (!last) {
                        in.unread(next);
                    }
                }
                if (n < TAG_SIZE || n == TAG_SIZE && counter > 0) {
                    throw new IOException("age payload truncated or damaged at chunk " + counter);
                }
                try {
                    cipher.init(Cipher.DECRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "ChaCha20"),
                            new javax.crypto.spec.IvParameterSpec(chunkNonce(counter, last)));
                    available = cipher.doFinal(sealed, 0, n, plain, 0);
                } catch (javax.crypto.AEADBadTagException e) {
                    throw new IOException("age payload chunk " + counter + " does not authenticate: the backup is truncated, damaged or was altered");
                } catch (GeneralSecurityException e) {
                    throw new IOException("age decryption failed: " + e.getMessage(), e);
                }
                position = 0;
                counter++;
                lastDone = last;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? plain[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, available - position);
            System.arraycopy(plain, position, b, off, n);
            position += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Collects the fingerprints of recipients, for manifests. */
    public static List<String> fingerprints(List<AgeRecipient> recipients) {
        List<String> out = new ArrayList<>();
        recipients.forEach(r -> out.add(r.fingerprint()));
        return out;
    }
}
