package dev.lifeboat.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.Optional;

/** Where objects are stored: an S3 bucket (any S3-compatible endpoint) or a local directory. */
public interface DestinationConfig {
    /** {@code s3://bucket/optional/prefix} or {@code file:///absolute/dir} (a relative {@code file:./dir} is resolved against the working directory). */
    String url();

    /** S3 endpoint for S3-compatible stores (Tigris, R2, MinIO); AWS's regional endpoint when absent. */
    Optional<String> endpoint();

    /** S3 region; {@code auto} suits Tigris and R2. */
    @WithDefault(DEFAULT_REGION)
    String region();

    /** Address the bucket in the path ({@code endpoint/bucket/key}) rather than the host name; MinIO and S3Proxy need it. */
    @WithName("path-style")
    @WithDefault("false")
    boolean pathStyle();

    /** Access key; when absent the standard AWS credential chain (env, profile, instance role) is used. */
    @WithName("access-key-id")
    Optional<String> accessKeyId();

    /** Secret key paired with {@link #accessKeyId()}. Never printed. */
    @WithName("secret-access-key")
    Optional<String> secretAccessKey();

    /** Create the bucket at start-up when it does not exist (off by default: a typo should not create a bucket). */
    @WithName("create-bucket")
    @WithDefault("false")
    boolean createBucket();

    /** Size of one multipart-upload part; also the memory one upload may buffer. */
    @WithName("part-size")
    @WithDefault(DEFAULT_PART_SIZE)
    ByteSize partSize();

    /** S3: longest wait for a TCP connection to the endpoint to open. */
    @WithName("connect-timeout")
    @WithDefault(DEFAULT_CONNECT_TIMEOUT)
    Duration connectTimeout();

    /**
     * S3: longest one request attempt may go without an answer, both as the socket read timeout and as the limit on
     * the whole attempt (sending a part of {@link #partSize()} included, so keep it generous on slow links); the SDK
     * then retries. A black-holed endpoint fails a call after the SDK's four attempts of this each, never by a hung thread.
     */
    @WithName("request-timeout")
    @WithDefault(DEFAULT_REQUEST_TIMEOUT)
    Duration requestTimeout();

    /**
     * How long a writer lease in this destination (one agent per SQLite replica, see {@code store.WriterLease}) lasts
     * without renewal: the holder renews every third of it and stops writing when two thirds have passed since its
     * last renewal began; another agent takes the replica over once the lease has stayed unchanged this long by its
     * own clock. Between 3s and 1h.
     */
    @WithName("lease-ttl")
    @WithDefault(DEFAULT_LEASE_TTL)
    Duration leaseTtl();

    String DEFAULT_LEASE_TTL = "30s";
    String DEFAULT_REGION = "us-east-1";
    String DEFAULT_CONNECT_TIMEOUT = "10s";
    String DEFAULT_REQUEST_TIMEOUT = "60s";
    /** Upper bound for both timeouts: beyond it a dead endpoint would stall backups and replication too long. */
    Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    String DEFAULT_PART_SIZE = "16MiB";
}
