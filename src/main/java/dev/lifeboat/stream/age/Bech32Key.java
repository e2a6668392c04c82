package dev.lifeboat.stream.age;

import com.exceptionfactory.jagged.bech32.Bech32;
import com.exceptionfactory.jagged.bech32.Bech32Address;

import java.util.Locale;

/** Decodes the bech32 text of an age key ({@code age1...}, {@code AGE-SECRET-KEY-1...}) with jagged's codec. */
final class Bech32Key {
    static final int KEY_SIZE = 32;

    private Bech32Key() {
    }

    /**
     * The 32 key bytes of {@code text} when it is a well-formed bech32 string with human-readable part {@code hrp}.
     * The exception's message completes "it ..." and never repeats the text (an identity is a secret).
     */
    static byte[] decode(String text, String hrp) {
        Bech32Address address;
        try {
            address = Bech32.getDecoder().decode(text);
        } catch (RuntimeException e) {
            // jagged's messages may quote characters of the input: say what is wrong without them.
            throw new IllegalArgumentException("is not valid bech32 (mistyped, truncated or mixed case?)");
        }
        byte[] data = address.getData();
        if (!address.getHumanReadablePart().toString().equalsIgnoreCase(hrp) || data.length != KEY_SIZE) {
            throw new IllegalArgumentException("is bech32 but not an age X25519 key of this kind");
        }
        // jagged ignores the padding bits after the key; a string that does not re-encode the same is not canonical.
        if (!encode(hrp, data).equals(text.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("has invalid padding");
        }
        return data;
    }

    /** Lower-case bech32 of {@code data} under {@code hrp}. */
    static String encode(String hrp, byte[] data) {
        return Bech32.getEncoder().encode(hrp.toLowerCase(Locale.ROOT), data).toString();
    }
}
