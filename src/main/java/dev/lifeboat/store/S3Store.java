package dev.lifeboat.store;

import dev.lifeboat.config.DestinationConfig;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;

/**
 * Objects in an S3 bucket under a key prefix, on the AWS SDK v2 with the JDK's URL-connection HTTP client.
 * Large objects go up as multipart uploads with a bounded number of parts in memory; a missing bucket is reported
 * clearly (or created when {@code create-bucket: true}).
 *
 * <p>One file past 400 lines on purpose: the multipart upload ({@link S3Upload}, a third of it) uses the client, the
 * bucket, the key prefix, the part uploader and the error wording ({@code failure}) that every other call uses;
 * apart, it would take all five as parameters and the error wording would have two homes.
 */
public final class S3Store implements ObjectStore {
    /** Parts uploaded concurrently by one upload; memory is bounded by (this + 1) × part size. */
    static final int PARTS_IN_FLIGHT = 2;
    private static final int DELETE_BATCH = 1000;
    /** Attempts of one call: a 503 SlowDown or a lost connection is retried, a dead endpoint fails the call. */
    static final int ATTEMPTS = 4;

    /**
     * The timers of every client's attempt timeouts, shared: left to itself the SDK gives each client a pool that grows
     * to five threads (and the threads of a client never closed outlive it). A timer only aborts a late request, so one
     * daemon thread serves them all; the SDK leaves an executor it was given running when a client closes.
     */
    private static final ScheduledExecutorService TIMEOUTS = sharedTimeouts();

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final String endpoint;
    private final int partSize;
    /** The configured timeouts as a failure message names them, e.g. "connect-timeout 10s, request-timeout 60s". */
    private final String timeouts;
    private final ExecutorService partUploader = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("s3-part-", 0).factory());

    S3Store(S3Client s3, String bucket, String prefix, String endpoint, int partSize, String timeouts) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        this.endpoint = endpoint;
        this.partSize = partSize;
        this.timeouts = timeouts;
    }

    /** Builds a client for the destination; creates the bucket when configured to and it is missing. */
    public static S3Store open(DestinationConfig d) throws IOException {
        URI uri = URI.create(d.url());
        String bucket = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/+", "");
        AwsCredentialsProvider credentials = d.accessKeyId().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(d.accessKeyId().get(), d.secretAccessKey().orElse("")))
                : DefaultCredentialsProvider.builder().build();
        var builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(d.connectTimeout())
                        .socketTimeout(d.requestTimeout()))
                // The socket timeout bounds each read; this bounds the whole attempt (a trickling answer, a part
                // upload into a black hole), so no caller waits longer than the SDK's retries of it.
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(d.requestTimeout()).retryStrategy(retries())
                        .scheduledExecutorService(TIMEOUTS))
                .region(Region.of(d.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(d.pathStyle())
                // Over plain HTTP the SDK signs payloads; one signature per part costs ~30% less CPU than aws-chunked
                // signing every 128 KiB (bench/pg-backup.sh), and is the form every S3-compatible store accepts.
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                // Our own SHA-256 covers integrity end to end; trailing CRC checksums break several S3-compatible stores.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        d.endpoint().ifPresent(e -> builder.endpointOverride(URI.create(e)));
        S3Store store = new S3Store(builder.build(), bucket, path, d.endpoint().orElse("aws:" + d.region()),
                (int) Math.min(d.partSize().bytes(), Integer.MAX_VALUE - 64),
                "connect-timeout " + text(d.connectTimeout()) + ", request-timeout " + text(d.requestTimeout()));
        if (d.createBucket()) {
            store.createBucketIfMissing();
        }
        return store;
    }

    /**
     * The SDK's standard mode, set here rather than left to {@code AWS_RETRY_MODE} or a profile: {@link #ATTEMPTS}
     * attempts with exponential backoff and jitter, longer after throttling answers (503 SlowDown), so throttling
     * slows shipping without failing it. No retry quota: after an outage had drained it, throttled calls would go
     * unretried for minutes; the callers pace themselves anyway (replication's next sync, a backup's retry backoff).
     */
    private static RetryStrategy retries() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(ATTEMPTS).circuitBreakerEnabled(false).build();
    }

    private static ScheduledExecutorService sharedTimeouts() {
        var timers = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("s3-attempt-timeouts").factory());
        timers.setRemoveOnCancelPolicy(true); // an attempt that finished in time leaves no timer queued behind it
        return timers;
    }

    private static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private void createBucketIfMissing() throws IOException {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            call(() -> s3.createBucket(b -> b.bucket(bucket)), "create bucket");
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw failure("check bucket", e);
            }
            call(() -> s3.createBucket(b -> b.bucket(bucket)), "create bucket");
        } catch (SdkException e) {
            throw failure("check bucket", e);
        }
    }

    @Override
    public String describe() {
        return describe("");
    }

    @Override
    public String describe(String keyPrefix) {
        return "s3://" + bucket + "/" + prefix + keyPrefix + " at " + endpoint;
    }

    private String fullKey(String key) {
        return prefix + key;
    }

    private IOException failure(String action, Exception e) {
        String reason = e instanceof S3Exception s3e && s3e.awsErrorDetails() != null
                ? s3e.awsErrorDetails().errorCode() + " (HTTP " + s3e.statusCode() + ")"
                : e.getMessage();
        if (e instanceof NoSuchBucketException) {
            reason = "bucket '" + bucket + "' does not exist; create it or set create-bucket: true";
        } else if (timedOut(e)) {
            reason = "timed out (" + timeouts + " per attempt, after the SDK's retries): " + reason;
        }
        return new IOException("S3 " + action + " failed on " + describe() + ": " + reason, e);
    }

    /** A connect or read timeout of the HTTP client, or the SDK's own attempt or call timeout. */
    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof ApiCallAttemptTimeoutException
                    || t instanceof ApiCallTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private <T> T call(java.util.function.Supplier<T> request, String action) throws IOException {
        try {
            return request.get();
        } catch (SdkException e) {
            throw failure(action, e);
        }
    }

    @Override
    public Upload beginUpload(String key) {
        return new S3Upload(key);
    }

    @Override
    public boolean putIfAbsent(String key, byte[] content) throws IOException {
        try {
            s3.putObject(b -> b.bucket(bucket).key(fullKey(key)).ifNoneMatch("*"), RequestBody.fromBytes(content));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                // The SDK retries a request whose response was lost (a reset connection): the object found may be
                // this very call's first attempt. Identical bytes mean it is ours; anything else is a competitor's.
                return sameContent(key, content);
            }
            throw failure("conditional put of " + key, e);
        } catch (SdkException e) {
            throw failure("conditional put of " + key, e);
        }
    }

    @Override
    public Optional<Versioned> getVersioned(String key) throws IOException {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(fullKey(key)))) {
            return Optional.of(new Versioned(in.readAllBytes(), in.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("get " + key, e);
        }
    }

    @Override
    public Optional<String> replaceIfMatch(String key, String version, byte[] content) throws IOException {
        try {
            return Optional.of(s3.putObject(b -> b.bucket(bucket).key(fullKey(key)).ifMatch(version),
                    RequestBody.fromBytes(content)).eTag());
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409 || e.statusCode() == 404) {
                // As in putIfAbsent: the object found may be this call's own first attempt, retried by the SDK.
                return getVersioned(key).filter(v -> java.util.Arrays.equals(v.content(), content)).map(Versioned::version);
            }
            throw failure("conditional replace of " + key, e);
        } catch (SdkException e) {
            throw failure("conditional replace of " + key, e);
        }
    }

    private boolean sameContent(String key, byte[] content) throws IOException {
        try (InputStream existing = get(key)) {
            return java.util.Arrays.equals(existing.readNBytes(content.length + 1), content);
        } catch (NoSuchObjectException deletedMeanwhile) {
            return false;
        }
    }

    @Override
    public InputStream get(String key) throws IOException {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(fullKey(key)));
        } catch (NoSuchKeyException e) {
            throw new NoSuchObjectException(describe(), key);
        } catch (SdkException e) {
            throw failure("get " + key, e);
        }
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
        if (length <= 0) {
            return InputStream.nullInputStream();
        }
        try {
            ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(fullKey(key))
                    .range("bytes=" + offset + "-" + (offset + length - 1)));
            return in;
        } catch (NoSuchKeyException e) {
            throw new NoSuchObjectException(describe(), key);
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                return InputStream.nullInputStream();
            }
            throw failure("get " + key, e);
        } catch (SdkException e) {
            throw failure("get " + key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        try {
            HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(fullKey(key)));
            return Optional.of(new ObjectInfo(key, head.contentLength(), head.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("stat " + key, e);
        } catch (SdkException e) {
            throw failure("stat " + key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String keyPrefix) throws IOException {
        List<ObjectInfo> out = new ArrayList<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(fullKey(keyPrefix))).contents()) {
                out.add(new ObjectInfo(o.key().substring(prefix.length()), o.size(), o.lastModified()));
            }
        } catch (SdkException e) {
            throw failure("list " + keyPrefix, e);
        }
        return out;
    }

    @Override
    public void deleteAll(Collection<String> keys) throws IOException {
        List<ObjectIdentifier> batch = new ArrayList<>();
        for (String key : keys) {
            batch.add(ObjectIdentifier.builder().key(fullKey(key)).build());
            if (batch.size() == DELETE_BATCH) {
                deleteBatch(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            deleteBatch(batch);
        }
    }

    private void deleteBatch(List<ObjectIdentifier> batch) throws IOException {
        var response = call(() -> s3.deleteObjects(b -> b.bucket(bucket)
                .delete(Delete.builder().objects(batch).quiet(true).build())), "delete");
        if (response.hasErrors() && !response.errors().isEmpty()) {
            var first = response.errors().getFirst();
            throw new IOException("S3 delete failed on " + describe() + " for " + response.errors().size()
                    + " key(s), first " + first.key() + ": " + first.code());
        }
    }

    @Override
    public int abortIncompleteUploads(String keyPrefix, long olderThanMillis) throws IOException {
        Instant cutoff = Instant.now().minusMillis(olderThanMillis);
        int aborted = 0;
        try {
            for (MultipartUpload u : s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(fullKey(keyPrefix))).uploads()) {
                if (u.initiated() == null || u.initiated().isBefore(cutoff)) {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
                    aborted++;
                }
            }
        } catch (SdkException e) {
            throw failure("abort incomplete uploads under " + keyPrefix, e);
        }
        return aborted;
    }

    @Override
    public void checkReachable() throws IOException {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new IOException("bucket '" + bucket + "' does not exist at " + endpoint + "; create it or set create-bucket: true", e);
            }
            if (e.statusCode() == 403) {
                throw new IOException("access to bucket '" + bucket + "' at " + endpoint + " denied; check the destination's keys", e);
            }
            throw failure("check bucket", e);
        } catch (SdkException e) {
            throw failure("reach", e);
        }
    }

    @Override
    public void close() {
        partUploader.shutdownNow();
        s3.close();
    }

    /**
     * Buffers one part; the first full part starts a multipart upload, smaller objects go up in a single PUT on
     * completion. At most {@link #PARTS_IN_FLIGHT} parts upload while the producer fills the next one.
     */
    private final class S3Upload extends Upload {
        private final String key;
        private byte[] buffer = new byte[Math.min(partSize, 1 << 20)];
        private int filled;
        private long size;
        private String uploadId;
        private final List<Future<CompletedPart>> parts = new ArrayList<>();
        private final Semaphore inFlight = new Semaphore(PARTS_IN_FLIGHT);
        /** Part buffers whose upload finished, reused so a long upload allocates at most PARTS_IN_FLIGHT + 1 of them. */
        private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> freeBuffers = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private boolean finished;

        S3Upload(String key) {
            this.key = key;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (finished) {
                throw new IOException("upload of " + key + " already finished");
            }
            while (len > 0) {
                if (filled == buffer.length && buffer.length < partSize) {
                    buffer = java.util.Arrays.copyOf(buffer, (int) Math.min((long) buffer.length * 2, partSize));
                }
                int n = Math.min(len, buffer.length - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                size += n;
                off += n;
                len -= n;
                if (filled == partSize) {
                    flushPart();
                }
            }
        }

        private void flushPart() throws IOException {
            if (uploadId == null) {
                uploadId = call(() -> s3.createMultipartUpload(b -> b.bucket(bucket).key(fullKey(key))), "start upload of " + key).uploadId();
            }
            failFastOnFinishedParts();
            try {
                inFlight.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while uploading " + key, e);
            }
            byte[] part = buffer;
            int length = filled;
            int number = parts.size() + 1;
            byte[] reused = freeBuffers.poll();
            buffer = reused != null ? reused : new byte[partSize];
            filled = 0;
            String id = uploadId;
            parts.add(partUploader.submit(() -> {
                try {
                    var r = s3.uploadPart(b -> b.bucket(bucket).key(fullKey(key)).uploadId(id).partNumber(number)
                            .contentLength((long) length), RequestBody.fromContentProvider(
                                    () -> new java.io.ByteArrayInputStream(part, 0, length), length, "application/octet-stream"));
                    return CompletedPart.builder().partNumber(number).eTag(r.eTag()).build();
                } finally {
                    // The SDK reads the part through the provider (no copy) and is done with it once uploadPart returns.
                    if (part.length == partSize) {
                        freeBuffers.add(part);
                    }
                    inFlight.release();
                }
            }));
        }

        private void failFastOnFinishedParts() throws IOException {
            for (Future<CompletedPart> f : parts) {
                if (f.isDone()) {
                    await(f);
                }
            }
        }

        private CompletedPart await(Future<CompletedPart> f) throws IOException {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while uploading " + key, e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SdkException sdk) {
                    throw failure("upload part of " + key, sdk);
                }
                throw new IOException("upload part of " + key + " failed: " + e.getCause(), e.getCause());
            }
        }

        @Override
        public ObjectInfo complete() throws IOException {
            if (finished) {
                throw new IllegalStateException("upload of " + key + " already finished");
            }
            if (uploadId == null) {
                // Straight from the buffer: a copy (and RequestBody.fromBytes's own copy) put two more part-sized
                // arrays per object into the old generation under a busy writer (SQLite segments are single PUTs).
                byte[] body = buffer;
                int length = filled;
                call(() -> s3.putObject(b -> b.bucket(bucket).key(fullKey(key)).contentLength((long) length), RequestBody.fromContentProvider(
                        () -> new java.io.ByteArrayInputStream(body, 0, length), length, "application/octet-stream")), "put " + key);
            } else {
                if (filled > 0) {
                    flushPart();
                }
                List<CompletedPart> done = new ArrayList<>();
                for (Future<CompletedPart> f : parts) {
                    done.add(await(f));
                }
                call(() -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(fullKey(key)).uploadId(uploadId)
                        .multipartUpload(CompletedMultipartUpload.builder().parts(done).build())), "complete upload of " + key);
            }
            finished = true;
            buffer = null;
            return new ObjectInfo(key, size, Instant.now());
        }

        @Override
        public void abort() {
            finished = true;
            buffer = null;
            parts.forEach(f -> f.cancel(true));
            if (uploadId != null) {
                try {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(fullKey(key)).uploadId(uploadId));
                } catch (SdkException e) {
                    // The store is unreachable: the next run's abortIncompleteUploads removes it.
                }
            }
        }

        @Override
        public void close() {
            if (!finished) {
                abort();
            }
        }
    }
}
