package dev.lifeboat.postgres;

import dev.lifeboat.testing.S3ProxyServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;

/** What tests need to see in the bucket beyond the ObjectStore interface: open multipart uploads. */
final class S3Uploads {
    private S3Uploads() {
    }

    /** Multipart uploads still open in {@code bucket}. */
    static int open(S3ProxyServer s3, String bucket) {
        try (S3Client client = S3Client.builder().endpointOverride(URI.create(s3.endpoint())).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .build()) {
            return client.listMultipartUploads(b -> b.bucket(bucket)).uploads().size();
        }
    }
}
