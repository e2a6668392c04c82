package dev.lifeboat.stream.age;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * Bech32 (BIP 173, checksum constant 1) as age uses it for keys: {@code age1...} recipients and
 * {@code AGE-SECRET-KEY-1...} identities. Unlike BIP 173, age sets no 90-character limit.
 */
final class Bech32 {
    private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private static final int[] GENERATOR = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};

    private Bech32() {
    }

    /** A decoded string: its human-readable part (lower case) and its data bytes. */
    record Decoded(String hrp, byte[] data) {
    }

    static String encode(String hrp, byte[] data) {
        String lower = hrp.toLowerCase(Locale.ROOT);
        byte[] values = convertBits(data, 8, 5, true);
        byte[] checksum = checksum(lower, values);
        StringBuilder s = new StringBuilder(lower).append('1');
        for (byte v : values) {
            s.append(CHARSET.charAt(v));
        }
        for (byte v : checksum) {
            s.append(CHARSET.charAt(v));
        }
        return s.toString();
    }

    /** Decodes; the message of the exception says what is wrong without echoing the (possibly secret) input. */
    static Decoded decode(String text) {
        if (!text.equals(text.toLowerCase(Locale.ROOT)) && !text.equals(text.toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("mixes upper and lower case");
        }
        String s = text.toLowerCase(Locale.ROOT);
        int separator = s.lastIndexOf('1');
        if (separator < 1 || separator + 7 > s.length()) {
            throw new IllegalArgumentException("has no bech32 separator and checksum");
        }
        String hrp = s.substring(0, separator);
        byte[] values = new byte[s.length() - separator - 1];
        for (int i = 0; i < values.length; i++) {
            int v = CHARSET.indexOf(s.charAt(separator + 1 + i));
            if (v < 0) {
                throw new IllegalArgumentException("contains a character that is not bech32");
            }
            values[i] = (byte) v;
        }
        if (polymod(hrp, values) != 1) {
            throw new IllegalArgumentException("has a wrong checksum (mistyped or truncated)");
        }
        byte[] payload = new byte[values.length - 6];
        System.arraycopy(values, 0, payload, 0, payload.length);
        return new Decoded(hrp, convertBits(payload, 5, 8, false));
    }

    private static int polymod(String hrp, byte[] values) {
        int chk = 1;
        for (int v : expandHrp(hrp)) {
            chk = step(chk, v);
        }
        for (byte v : values) {
            chk = step(chk, v);
        }
        return chk;
    }

    private static int step(int chk, int value) {
        int top = chk >>> 25;
        chk = (chk & 0x1ffffff) << 5 ^ value;
        for (int i = 0; i < 5; i++) {
            if ((top >>> i & 1) != 0) {
                chk ^= GENERATOR[i];
            }
        }
        return chk;
    }

    private static int[] expandHrp(String hrp) {
        int[] out = new int[hrp.length() * 2 + 1];
        for (int i = 0; i < hrp.length(); i++) {
            out[i] = hrp.charAt(i) >> 5;
            out[i + hrp.length() + 1] = hrp.charAt(i) & 31;
        }
        return out;
    }

    private static byte[] checksum(String hrp, byte[] values) {
        byte[] padded = new byte[values.length + 6];
        System.arraycopy(values, 0, padded, 0, values.length);
        int mod = polymod(hrp, padded) ^ 1;
        byte[] out = new byte[6];
        for (int i = 0; i < 6; i++) {
            out[i] = (byte) (mod >>> 5 * (5 - i) & 31);
        }
        return out;
    }

    private static byte[] convertBits(byte[] data, int from, int to, boolean pad) {
        int acc = 0;
        int bits = 0;
        int maxv = (1 << to) - 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : data) {
            int value = b & 0xff;
            if (value >>> from != 0) {
                throw new IllegalArgumentException("has an invalid data value");
            }
            acc = acc << from | value;
            bits += from;
            while (bits >= to) {
                bits -= to;
                out.write(acc >>> bits & maxv);
            }
        }
        if (pad) {
            if (bits > 0) {
                out.write(acc << to - bits & maxv);
            }
        } else if (bits >= from || (acc << to - bits & maxv) != 0) {
            throw new IllegalArgumentException("has invalid padding");
        }
        return out.toByteArray();
    }
}
