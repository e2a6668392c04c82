package dev.lifeboat.pitr;

import java.io.IOException;

/** An archived WAL object whose stored bytes do not match the SHA-256 in its name: it must not be used. */
public final class WalChecksumException extends IOException {
    private final String key;

    public WalChecksumException(String key, String where, String actualSha256) {
        super("checksum mismatch in WAL object " + where + ": its name says SHA-256 " + keySha(key) + ", the stored bytes have "
                + actualSha256 + "; the object is damaged and was not used");
        this.key = key;
    }

    private static String keySha(String key) {
        WalObject o = PitrLayout.walObject(new dev.lifeboat.store.ObjectInfo(key, 0, java.time.Instant.EPOCH));
        return o == null ? "?" : o.storedSha256();
    }

    /** The damaged object's key under the database's folder. */
    public String key() {
        return key;
    }
}
