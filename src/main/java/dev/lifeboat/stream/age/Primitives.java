package dev.lifeboat.stream.age;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;

/**
 * The JDK's building blocks age v1 needs: X25519 (XDH), HKDF-SHA256 (on HMAC; the JDK's KDF API is newer than
 * our Java 21 target) and ChaCha20-Poly1305. Nothing here is hand-rolled cryptography, only glue.
 */
final class Primitives {
    static final int KEY_SIZE = 32;
    private static final byte[] BASEPOINT = new byte[KEY_SIZE];

    static {
        BASEPOINT[0] = 9;
    }

    private Primitives() {
    }

    /** X25519(scalar, u) per RFC 7748, both little-endian 32-byte strings; the JDK rejects an all-zero result. */
    static byte[] x25519(byte[] scalar, byte[] u) throws GeneralSecurityException {
        KeyFactory factory = KeyFactory.getInstance("XDH");
        PrivateKey privateKey = factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
        byte[] bigEndian = new byte[KEY_SIZE];
        for (int i = 0; i < KEY_SIZE; i++) {
            bigEndian[i] = u[KEY_SIZE - 1 - i];
        }
        bigEndian[0] &= 0x7f; // RFC 7748: the top bit of u is ignored
        PublicKey publicKey = factory.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, bigEndian)));
        KeyAgreement agreement = KeyAgreement.getInstance("XDH");
        agreement.init(privateKey);
        agreement.doPhase(publicKey, true);
        return agreement.generateSecret();
    }

    /** The public u-coordinate of a secret scalar. */
    static byte[] x25519Base(byte[] scalar) throws GeneralSecurityException {
        return x25519(scalar, BASEPOINT);
    }

    /** HKDF-SHA256 (RFC 5869) with 32 bytes of output; an empty salt means 32 zero bytes, as the RFC says. */
    static byte[] hkdf(byte[] ikm, byte[] salt, String info) throws GeneralSecurityException {
        byte[] prk = hmac(salt.length == 0 ? new byte[KEY_SIZE] : salt, ikm);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        mac.update(info.getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) 1);
        return mac.doFinal();
    }

    static byte[] hmac(byte[] key, byte[] message) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(message);
    }

    /** A ChaCha20-Poly1305 cipher initialised for one message under {@code key} and the 12-byte {@code nonce}. */
    static Cipher chacha(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("ChaCha20-Poly1305");
        cipher.init(mode, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
        return cipher;
    }

    /** Opens one sealed message; null when the tag does not verify (wrong key, or tampering). */
    static byte[] open(byte[] key, byte[] nonce, byte[] sealed) throws GeneralSecurityException {
        try {
            return chacha(Cipher.DECRYPT_MODE, key, nonce).doFinal(sealed);
        } catch (AEADBadTagException e) {
            return null;
        }
    }
}
