package dev.lifeboat.stream.age;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An age X25519 identity ({@code AGE-SECRET-KEY-1...}), the secret that decrypts. Its {@link #toString()} never
 * shows the key.
 */
public final class AgeIdentity {
    static final String HRP = "age-secret-key-";

    private final byte[] secret;
    private final AgeRecipient recipient;

    private AgeIdentity(byte[] secret) throws GeneralSecurityException {
        this.secret = secret;
        this.recipient = new AgeRecipient(Bech32.encode(AgeRecipient.HRP, Primitives.x25519Base(secret)), Primitives.x25519Base(secret));
    }

    /** Parses one {@code AGE-SECRET-KEY-1...} line; the message never echoes the secret. */
    public static AgeIdentity parse(String text) {
        Bech32.Decoded decoded;
        try {
            decoded = Bech32.decode(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an age identity: it " + e.getMessage());
        }
        if (!decoded.hrp().equals(HRP) || decoded.data().length != Primitives.KEY_SIZE) {
            throw new IllegalArgumentException("not an age X25519 identity (AGE-SECRET-KEY-1...)");
        }
        try {
            return new AgeIdentity(decoded.data());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a usable X25519 key: " + e.getMessage());
        }
    }

    /** A fresh random identity (what {@code age-keygen} does). */
    public static AgeIdentity generate() {
        byte[] secret = new byte[Primitives.KEY_SIZE];
        new java.security.SecureRandom().nextBytes(secret);
        try {
            return new AgeIdentity(secret);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads every identity in an identity file as {@code age-keygen} writes it: one key per line, {@code #}
     * comments and blank lines ignored.
     */
    public static List<AgeIdentity> readFile(Path file) throws IOException {
        List<AgeIdentity> out = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            try {
                out.add(parse(t));
            } catch (IllegalArgumentException e) {
                throw new IOException("identity file " + file + " line " + lineNumber + ": " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new IOException("identity file " + file + " holds no AGE-SECRET-KEY-1... line");
        }
        return out;
    }

    /** The recipient (public key) this identity decrypts for. */
    public AgeRecipient recipient() {
        return recipient;
    }

    /** The {@code AGE-SECRET-KEY-1...} text, for writing an identity file. Handle as a secret. */
    public String encodeSecret() {
        return Bech32.encode(HRP, secret).toUpperCase(Locale.ROOT);
    }

    byte[] secret() {
        return secret;
    }

    @Override
    public String toString() {
        return "age identity for " + recipient.encoded();
    }
}
