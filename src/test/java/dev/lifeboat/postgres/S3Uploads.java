package dev.lifeboat.postgres;

import dev.lifeboat.testing.S3ProxyServer;

/** What tests need to see in the bucket beyond the ObjectStore interface: open multipart uploads. */
final class S3Uploads {
    private S3Uploads() {
    }

    /** Multipart uploads still open in {@code bucket}. */
    static int open(S3ProxyServer s3, String bucket) {
        return s3.uploadsInProgress(bucket).size();
    }
}
