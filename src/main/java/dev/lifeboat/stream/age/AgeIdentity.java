package dev.lifeboat.stream.age;

import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.x25519.X25519KeyFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;

import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An age X25519 identity ({@code AGE-SECRET-KEY-1...}), the secret that decrypts. Its {@link #toString()} never
 * shows the key.
 */
public final class AgeIdentity {
    static final String HRP = "AGE-SECRET-KEY-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String secret;
    private final AgeRecipient recipient;
    /** jagged's stanza reader for this key; stateless, so shared by every decryption. */
    private final RecipientStanzaReader reader;

    private AgeIdentity(String secret) throws GeneralSecurityException {
        this.secret = secret;
        this.reader = X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(secret);
        // jagged's key factory turns an identity into its recipient (the X25519 base-point multiplication).
        SecretKeySpec identity = new SecretKeySpec(secret.getBytes(StandardCharsets.US_ASCII), "X25519");
        String publicKey = new String(new X25519KeyFactory().translateKey(identity).getEncoded(), StandardCharsets.US_ASCII);
        this.recipient = AgeRecipient.parse(publicKey);
    }

    /** Parses one {@code AGE-SECRET-KEY-1...} line; the message never echoes the secret. */
    public static AgeIdentity parse(String text) {
        byte[] key;
        try {
            key = Bech32Key.decode(text.trim(), HRP);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an age X25519 identity (AGE-SECRET-KEY-1...): it " + e.getMessage());
        }
        return of(key);
    }

    /** A fresh random identity (what {@code age-keygen} does: 32 random bytes are an X25519 secret). */
    public static AgeIdentity generate() {
        byte[] key = new byte[Bech32Key.KEY_SIZE];
        RANDOM.nextBytes(key);
        return of(key);
    }

    private static AgeIdentity of(byte[] key) {
        try {
            return new AgeIdentity(Bech32Key.encode(HRP, key).toUpperCase(Locale.ROOT));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a usable X25519 key: " + e.getClass().getSimpleName());
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
        return secret;
    }

    RecipientStanzaReader reader() {
        return reader;
    }

    @Override
    public String toString() {
        return "age identity for " + recipient.encoded();
    }
}
