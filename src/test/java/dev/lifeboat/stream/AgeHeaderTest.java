package dev.lifeboat.stream;

import com.exceptionfactory.jagged.bech32.Bech32;
import dev.lifeboat.stream.age.AgeIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;

import static dev.lifeboat.stream.AgeTest.decrypt;
import static dev.lifeboat.stream.AgeTest.encrypt;
import static dev.lifeboat.stream.AgeTest.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Headers the age specification requires rejecting, each made here from a valid file Lifeboat wrote: the header is
 * altered and, where the MAC covers the change, MAC'd again with the file key (unwrapped with the test's identity),
 * so the malformation alone is what must make decryption fail. The base64 texts keep their decoded bytes (only the
 * unused trailing bits change), which is exactly what a lenient decoder lets through.
 */
class AgeHeaderTest {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private final AgeIdentity identity = AgeIdentity.generate();
    private final byte[] plain = randomBytes(70_000, 3);
    private final AgeFile file = AgeFile.parse(sealed(plain));

    private byte[] sealed(byte[] data) {
        try {
            return encrypt(data, List.of(identity.recipient()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aHeaderMacdAgainUnchangedAndAnUnknownStanzaDecrypt() throws Exception {
        // The controls: the re-MAC of the tests below is right, and a well-formed stanza of another type is ignored.
        assertArrayEquals(plain, decrypt(file.remaced(identity, lines -> lines), List.of(identity)));
        assertArrayEquals(plain, decrypt(file.remaced(identity, lines -> withStanza(lines, "-> lifeboat-test a b", "AA")), List.of(identity)));
    }

    @Test
    void nonCanonicalHeaderMacIsRejected() {
        byte[] altered = file.withMacLine("--- " + nonCanonical(file.mac));
        assertMalformed(altered);
    }

    @Test
    void nonCanonicalStanzaBodyIsRejected() {
        // A one-byte body: "AA" is 0x00; "AB" decodes to 0x00 too, with a trailing bit set.
        assertMalformed(file.remaced(identity, lines -> withStanza(lines, "-> lifeboat-test a", "AB")));
    }

    @Test
    void nonCanonicalX25519BodyIsRejected() {
        assertMalformed(file.remaced(identity, lines -> {
            lines.set(2, nonCanonical(lines.get(2)));
            return lines;
        }));
    }

    @Test
    void nonCanonicalX25519ShareIsRejected() {
        assertMalformed(file.remaced(identity, lines -> {
            lines.set(1, "-> X25519 " + nonCanonical(lines.get(1).substring("-> X25519 ".length())));
            return lines;
        }));
    }

    @Test
    void lowOrderX25519ShareIsMalformedNotAnotherKey() {
        String zeroPoint = Base64.getEncoder().withoutPadding().encodeToString(new byte[32]);
        assertMalformed(file.remaced(identity, lines -> {
            lines.set(1, "-> X25519 " + zeroPoint);
            return lines;
        }));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-> lifeboat-test a  b", "-> lifeboat-test a ", "->  lifeboat-test a", "-> "})
    void emptyStanzaArgumentIsRejected(String stanzaLine) {
        assertMalformed(file.remaced(identity, lines -> withStanza(lines, stanzaLine, "AA")));
    }

    @Test
    void passphraseFilesAndPlainFilesGetTheirHints() {
        // What `age -p` writes: one scrypt stanza (salt, work factor) and no X25519 one.
        List<String> scrypt = new ArrayList<>(file.lines);
        scrypt.set(1, "-> scrypt " + Base64.getEncoder().withoutPadding().encodeToString(new byte[16]) + " 18");
        byte[] sealedWithPassphrase = new AgeFile(scrypt, file.mac, file.rest).withMacLine("--- " + file.mac);
        IOException e = assertThrows(IOException.class, () -> decrypt(sealedWithPassphrase, List.of(identity)));
        assertTrue(e.getMessage().contains("encrypted with a passphrase"), e.getMessage());
        IOException notAge = assertThrows(IOException.class, () -> decrypt(plain, List.of(identity)));
        assertTrue(notAge.getMessage().contains("is this backup encrypted?"), notAge.getMessage());
    }

    private void assertMalformed(byte[] altered) {
        IOException e = assertThrows(IOException.class, () -> decrypt(altered, List.of(identity)));
        assertTrue(e.getMessage().startsWith("malformed age header"), e.getMessage());
    }

    private static List<String> withStanza(List<String> lines, String stanzaLine, String body) {
        lines.add(1, stanzaLine);
        lines.add(2, body);
        return lines;
    }

    /** The same bytes with the last character's unused low bit set: a different, non-canonical base64 text. */
    static String nonCanonical(String b64) {
        char last = b64.charAt(b64.length() - 1);
        assertTrue((ALPHABET.indexOf(last) & 1) == 0 && b64.length() % 4 != 0, "expected unused trailing bits in " + b64);
        String altered = b64.substring(0, b64.length() - 1) + ALPHABET.charAt(ALPHABET.indexOf(last) | 1);
        assertArrayEquals(Base64.getDecoder().decode(b64), Base64.getDecoder().decode(altered), "the JDK decodes both alike");
        return altered;
    }

    /** An age file split into its header lines (version, stanzas, bodies), its MAC and the rest (nonce + payload). */
    record AgeFile(List<String> lines, String mac, byte[] rest) {
        static AgeFile parse(byte[] sealed) {
            String text = new String(sealed, StandardCharsets.ISO_8859_1);
            int macLine = text.indexOf("\n--- ") + 1;
            int end = text.indexOf('\n', macLine) + 1;
            return new AgeFile(List.of(text.substring(0, macLine - 1).split("\n")), text.substring(macLine + 4, end - 1),
                    Arrays.copyOfRange(sealed, end, sealed.length));
        }

        byte[] withMacLine(String macLine) {
            return assemble(lines, macLine);
        }

        /** The header after {@code edit}, with a MAC that verifies under the file's key. */
        byte[] remaced(AgeIdentity identity, UnaryOperator<List<String>> edit) {
            try {
                List<String> edited = edit.apply(new ArrayList<>(lines));
                byte[] headerKey = hkdf(fileKey(identity), new byte[0], "header");
                Mac hmac = Mac.getInstance("HmacSHA256");
                hmac.init(new SecretKeySpec(headerKey, "HmacSHA256"));
                byte[] mac = hmac.doFinal((String.join("\n", edited) + "\n---").getBytes(StandardCharsets.ISO_8859_1));
                return assemble(edited, "--- " + Base64.getEncoder().withoutPadding().encodeToString(mac));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        private byte[] assemble(List<String> header, String macLine) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes((String.join("\n", header) + "\n" + macLine + "\n").getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(rest);
            return out.toByteArray();
        }

        /** Unwraps the file key from the (single) X25519 stanza, as the age specification defines it. */
        private byte[] fileKey(AgeIdentity identity) throws Exception {
            byte[] share = Base64.getDecoder().decode(lines.get(1).substring("-> X25519 ".length()));
            byte[] body = Base64.getDecoder().decode(lines.get(2));
            byte[] secret = Bech32.getDecoder().decode(identity.encodeSecret()).getData();
            byte[] recipient = Bech32.getDecoder().decode(identity.recipient().encoded()).getData();
            KeyFactory keys = KeyFactory.getInstance("XDH");
            KeyAgreement agreement = KeyAgreement.getInstance("XDH");
            agreement.init(keys.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, secret)));
            agreement.doPhase(keys.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, littleEndian(share))), true);
            byte[] salt = new byte[64];
            System.arraycopy(share, 0, salt, 0, 32);
            System.arraycopy(recipient, 0, salt, 32, 32);
            byte[] wrapKey = hkdf(agreement.generateSecret(), salt, "age-encryption.org/v1/X25519");
            Cipher chacha = Cipher.getInstance("ChaCha20-Poly1305");
            chacha.init(Cipher.DECRYPT_MODE, new SecretKeySpec(wrapKey, "ChaCha20"), new IvParameterSpec(new byte[12]));
            return chacha.doFinal(body);
        }

        private static BigInteger littleEndian(byte[] u) {
            byte[] bigEndian = new byte[u.length];
            for (int i = 0; i < u.length; i++) {
                bigEndian[i] = u[u.length - 1 - i];
            }
            return new BigInteger(1, bigEndian);
        }

        /** HKDF-SHA256 (RFC 5869), one 32-byte block; an empty salt is 32 zero bytes. */
        private static byte[] hkdf(byte[] ikm, byte[] salt, String info) throws Exception {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
            byte[] prk = mac.doFinal(ikm);
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            mac.update(info.getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(new byte[] {1});
        }
    }
}
