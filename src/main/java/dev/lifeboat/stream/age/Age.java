package dev.lifeboat.stream.age;

import com.exceptionfactory.jagged.PayloadException;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SignatureException;
import java.security.spec.InvalidParameterSpecException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * age v1 encryption (age-encryption.org/v1) with X25519 recipients, so an encrypted backup decrypts with the stock
 * {@code age -d -i key.txt} and files from {@code age -r} decrypt here.
 *
 * <p>The format is jagged's work (com.exceptionfactory.jagged: header, stanzas, header MAC, 64 KiB STREAM chunks,
 * each authenticated, so truncation or tampering is detected while streaming and memory stays at one chunk). It
 * runs on the JDK's X25519 and ChaCha20-Poly1305 (JCA only, no native code or reflection: native-image friendly).
 * Lifeboat adds what jagged leaves to its caller: the hints of a file that is not age, was encrypted with a
 * passphrase or to none of our identities ({@link IdentityMatcher}), and a check that every stanza line's
 * arguments are non-empty, which jagged does not make when an argument is empty at the end of a line.
 */
public final class Age {
    static final String VERSION_LINE = "age-encryption.org/v1";
    /** jagged reads the header from its first 64 KiB chunk buffer; a longer header cannot be ours or age's. */
    private static final int HEADER_LIMIT = 64 * 1024;
    private static final int CHUNK_SIZE = 64 * 1024;

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
        List<RecipientStanzaWriter> writers = recipients.stream().map(AgeRecipient::writer).toList();
        try {
            return new EncryptingStream(new StandardEncryptingChannelFactory().newEncryptingChannel(Channels.newChannel(out), writers), out);
        } catch (GeneralSecurityException e) {
            throw new IOException("age encryption failed: " + e.getMessage(), e);
        }
    }

    /**
     * Wraps {@code in}: reads give the plaintext. The header is read and checked now; the exception says whether
     * none of {@code identities} matches a recipient (and how many recipients' stanzas exist) or the header is
     * malformed or altered. A damaged, truncated or tampered payload fails the read that reaches it.
     */
    public static InputStream decrypt(InputStream in, List<AgeIdentity> identities) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, CHUNK_SIZE);
        buffered.mark(HEADER_LIMIT + 1);
        checkStanzaLines(buffered);
        buffered.reset();
        List<RecipientStanzaReader> readers = List.of(new IdentityMatcher(identities));
        try {
            ReadableByteChannel plain = new StandardDecryptingChannelFactory().newDecryptingChannel(Channels.newChannel(buffered), readers);
            return new PayloadStream(Channels.newInputStream(plain));
        } catch (IdentityMatcher.Refused e) {
            throw new IOException(e.getMessage());
        } catch (SignatureException e) {
            throw new IOException("age header MAC does not verify: the file's header was altered");
        } catch (InvalidParameterSpecException | PayloadException e) {
            throw new IOException("age file truncated: no payload after the header");
        } catch (GeneralSecurityException e) {
            // jagged's HeaderDecodingException (not public): a line, a base64 text or the MAC is malformed.
            throw new IOException("malformed age header: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the header up to its {@code ---} line: the version line (else the file is not age), then every stanza
     * line must be {@code -> } and non-empty arguments of printable ASCII, as the age specification says.
     */
    private static void checkStanzaLines(InputStream in) throws IOException {
        byte[] version = in.readNBytes(VERSION_LINE.length() + 1);
        if (!Arrays.equals(version, (VERSION_LINE + "\n").getBytes(StandardCharsets.US_ASCII))) {
            throw new IOException("not an age v1 file (no age-encryption.org/v1 header); is this backup encrypted?");
        }
        int read = version.length;
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("age file truncated inside its header");
            }
            if (++read > HEADER_LIMIT) {
                throw new IOException("malformed age header: longer than " + HEADER_LIMIT + " bytes");
            }
            if (b != '\n') {
                line.append((char) b);
                continue;
            }
            if (line.indexOf("---") == 0) {
                return;
            }
            if (line.indexOf("-> ") == 0) {
                for (String argument : line.substring(3).split(" ", -1)) {
                    if (argument.isEmpty() || !argument.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
                        throw new IOException("malformed age header: a stanza line has an empty or non-ASCII argument");
                    }
                }
            }
            line.setLength(0);
        }
    }

    /** Collects the fingerprints of recipients, for manifests. */
    public static List<String> fingerprints(List<AgeRecipient> recipients) {
        List<String> out = new ArrayList<>();
        recipients.forEach(r -> out.add(r.fingerprint()));
        return out;
    }

    /** An OutputStream over jagged's channel; {@link #flush()} reaches {@code sink} (a partial chunk stays buffered). */
    private static final class EncryptingStream extends OutputStream {
        private final WritableByteChannel channel;
        private final OutputStream sink;
        private boolean closed;

        EncryptingStream(WritableByteChannel channel, OutputStream sink) {
            this.channel = channel;
            this.sink = sink;
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
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        @Override
        public void flush() throws IOException {
            sink.flush();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                channel.close();
            }
        }
    }

    /** Says what a payload that fails authentication means for a backup. */
    private static final class PayloadStream extends FilterInputStream {
        PayloadStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (PayloadException e) {
                throw damaged(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (PayloadException e) {
                throw damaged(e);
            }
        }

        private static IOException damaged(PayloadException e) {
            return new IOException("age payload does not authenticate: the backup is truncated, damaged or was altered", e);
        }
    }
}
