package dev.lifeboat.alert;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * Webhook signatures: {@code X-Lifeboat-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>} with
 * {@code X-Lifeboat-Timestamp: <unix seconds>}. Signing the timestamp with the body lets a receiver reject replays
 * older than its window (the README recommends 5 minutes) without trusting an unsigned header.
 */
public final class Signer {
    public static final String SIGNATURE_HEADER = "X-Lifeboat-Signature";
    public static final String TIMESTAMP_HEADER = "X-Lifeboat-Timestamp";
    public static final String DELIVERY_HEADER = "X-Lifeboat-Delivery";

    private Signer() {
    }

    /** {@code sha256=} followed by the lower-case hex HMAC-SHA256 of {@code timestamp + "." + body}. */
    public static String sign(String secret, long epochSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((epochSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
