package dev.lifeboat.stream.age;

import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import dev.lifeboat.stream.Sha256;

import java.security.GeneralSecurityException;
import java.util.Locale;

/**
 * An age X25519 recipient ({@code age1...}): the public key a backup is encrypted to. Public keys are not secret,
 * but manifests record only {@link #fingerprint()}s, short enough to compare at a glance.
 */
public final class AgeRecipient {
    static final String HRP = "age";

    private final String encoded;
    /** jagged's stanza writer for this key; stateless (a fresh ephemeral key per file), so shared. */
    private final RecipientStanzaWriter writer;

    private AgeRecipient(String encoded) throws GeneralSecurityException {
        this.encoded = encoded;
        this.writer = X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(encoded);
    }

    /** Parses {@code age1...}; the exception says what is wrong. */
    public static AgeRecipient parse(String text) {
        String trimmed = text.trim();
        try {
            Bech32Key.decode(trimmed, HRP);
            return new AgeRecipient(trimmed.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + trimmed + "' is not an age X25519 recipient (age1 followed by 58 characters): it "
                    + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("'" + trimmed + "' is not a usable X25519 key: " + e.getMessage(), e);
        }
    }

    /** The {@code age1...} text, lower case. */
    public String encoded() {
        return encoded;
    }

    /** {@code sha256:} and the first 16 hex digits of the SHA-256 of the {@code age1...} string. */
    public String fingerprint() {
        return "sha256:" + Sha256.hex(encoded).substring(0, 16);
    }

    RecipientStanzaWriter writer() {
        return writer;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AgeRecipient other && other.encoded.equals(encoded);
    }

    @Override
    public int hashCode() {
        return encoded.hashCode();
    }

    @Override
    public String toString() {
        return encoded;
    }
}
