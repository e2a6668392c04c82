package dev.lifeboat.stream.age;

import dev.lifeboat.stream.Sha256;

/**
 * An age X25519 recipient ({@code age1...}): the public key a backup is encrypted to. Public keys are not secret,
 * but manifests record only {@link #fingerprint()}s, short enough to compare at a glance.
 */
public record AgeRecipient(String encoded, byte[] publicKey) {
    static final String HRP = "age";

    /** Parses {@code age1...}; the exception says what is wrong. */
    public static AgeRecipient parse(String text) {
        String trimmed = text.trim();
        Bech32.Decoded decoded;
        try {
            decoded = Bech32.decode(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + trimmed + "' is not an age recipient: it " + e.getMessage(), e);
        }
        if (!decoded.hrp().equals(HRP) || decoded.data().length != Primitives.KEY_SIZE) {
            throw new IllegalArgumentException("'" + trimmed + "' is not an age X25519 recipient (age1 followed by 58 characters)");
        }
        return new AgeRecipient(trimmed.toLowerCase(java.util.Locale.ROOT), decoded.data());
    }

    /** {@code sha256:} and the first 16 hex digits of the SHA-256 of the {@code age1...} string. */
    public String fingerprint() {
        return fingerprintOf(encoded);
    }

    static String fingerprintOf(String encodedRecipient) {
        return "sha256:" + Sha256.hex(encodedRecipient).substring(0, 16);
    }

    /** Equal when the keys are equal (a record would compare the array by identity). */
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
