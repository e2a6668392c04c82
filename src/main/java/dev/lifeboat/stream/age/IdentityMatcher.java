package dev.lifeboat.stream.age;

import com.exceptionfactory.jagged.FileKey;
import com.exceptionfactory.jagged.RecipientStanza;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.framework.codec.CanonicalBase64;

import javax.crypto.AEADBadTagException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;

/**
 * Finds the file key with any of several identities, stanza by stanza in header order as age does, and tells a
 * file encrypted to other keys (or with a passphrase) from a malformed one. jagged's own X25519 reader folds both
 * into "not matched"; this one checks each X25519 stanza's form first and lets only a failed unwrap mean "not ours".
 */
final class IdentityMatcher implements RecipientStanzaReader {
    private static final String X25519 = "X25519";
    private static final int SHARE_SIZE = 32;
    private static final int WRAPPED_KEY_SIZE = 16 + 16;

    private final List<AgeIdentity> identities;

    IdentityMatcher(List<AgeIdentity> identities) {
        this.identities = identities;
    }

    /** A refusal whose message is meant for the user as it is. */
    static final class Refused extends GeneralSecurityException {
        Refused(String message) {
            super(message);
        }
    }

    @Override
    public FileKey getFileKey(Iterable<RecipientStanza> stanzas) throws GeneralSecurityException {
        int x25519Stanzas = 0;
        for (RecipientStanza stanza : stanzas) {
            if (!X25519.equals(stanza.getType())) {
                continue;
            }
            x25519Stanzas++;
            checkForm(stanza);
            for (AgeIdentity identity : identities) {
                try {
                    return identity.reader().getFileKey(List.of(stanza));
                } catch (GeneralSecurityException e) {
                    if (!isWrongKey(e)) {
                        throw new Refused("malformed age header: X25519 stanza does not unwrap (" + innermost(e).getMessage() + ")");
                    }
                }
            }
        }
        throw new Refused(x25519Stanzas == 0
                ? "the age file has no X25519 recipient stanza; it was encrypted with a passphrase or another key type"
                : "none of the " + identities.size() + " age identities matches any of the file's " + x25519Stanzas
                + " X25519 recipient(s); use the identity file of a recipient listed in encryption.recipients when the backup was taken");
    }

    /** One argument, the 32-byte ephemeral share in canonical unpadded base64, and a 32-byte body (wrapped key + tag). */
    private static void checkForm(RecipientStanza stanza) throws Refused {
        if (stanza.getArguments().size() != 1) {
            throw new Refused("malformed age header: X25519 stanza needs exactly one argument");
        }
        byte[] share;
        try {
            share = CanonicalBase64.getDecoder().decode(stanza.getArguments().getFirst().getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new Refused("malformed age header: X25519 share is not canonical unpadded base64");
        }
        if (share.length != SHARE_SIZE || stanza.getBody().length != WRAPPED_KEY_SIZE) {
            throw new Refused("malformed age header: X25519 stanza of the wrong size");
        }
    }

    /** A well-formed stanza for another key fails only the wrapped key's authentication. */
    private static boolean isWrongKey(Throwable e) {
        if (e instanceof AEADBadTagException) {
            return true;
        }
        for (Throwable suppressed : e.getSuppressed()) {
            if (isWrongKey(suppressed)) {
                return true;
            }
        }
        return e.getCause() != null && isWrongKey(e.getCause());
    }

    private static Throwable innermost(Throwable e) {
        Throwable t = e.getSuppressed().length > 0 ? e.getSuppressed()[0] : e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
