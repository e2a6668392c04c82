package dev.lifeboat;

import java.net.URI;

/** Removes secrets from what the API and logs show. */
public final class Redaction {
    public static final String MASK = "***";

    private Redaction() {
    }

    /** {@code postgres://user:secret@host/db?password=x} → {@code postgres://user:***@host/db?password=***}. */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        return url.replaceAll("(://[^:/@?#]*):[^@/?#]*@", "$1:" + MASK + "@")
                .replaceAll("(?i)((?:password|secret|token|key|sig|signature|x-amz-credential|x-amz-signature)=)[^&#]*", "$1" + MASK);
    }

    /** Only scheme, host and port of a URL whose path may itself be a secret (Slack and Discord webhooks, healthchecks). */
    public static String originOnly(String url) {
        try {
            URI uri = URI.create(url);
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + "/" + MASK;
        } catch (IllegalArgumentException e) {
            return MASK;
        }
    }
}
