package dev.lifeboat.testing;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real S3Proxy 4.1.0 (filesystem provider) on a free loopback port, started as a child JVM and stopped by PID.
 * Path-style addressing; buckets are created by {@link #createBucket}.
 *
 * <pre>{@code
 * try (S3ProxyServer s3 = S3ProxyServer.start()) {
 *     s3.createBucket("backups");
 *     String yaml = s3.destinationYaml("main", "backups", "prefix");
 * }
 * }</pre>
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "lifeboat-test-access";
    public static final String SECRET_KEY = "lifeboat-test-secret-key-0123456789";

    private final Process process;
    private final int port;
    private final Path dataDir;
    private final Path log;

    private S3ProxyServer(Process process, int port, Path dataDir, Path log) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
        this.log = log;
    }

    /** Starts S3Proxy storing objects under a fresh temporary directory. */
    public static S3ProxyServer start() {
        try {
            return start(Files.createTempDirectory("s3proxy-"), ExternalProcess.freePort());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts S3Proxy on {@code port} storing objects in {@code dataDir} (reuse both to restart "the same" server). */
    public static S3ProxyServer start(Path dataDir, int port) {
        Path jar = ExternalProcess.testTools().resolve("s3proxy.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("S3Proxy jar missing at " + jar.toAbsolutePath() + " (the Maven build copies it in process-test-resources)");
        }
        try {
            Files.createDirectories(dataDir);
            Path props = dataDir.resolveSibling(dataDir.getFileName() + ".properties");
            Files.writeString(props, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + dataDir.toAbsolutePath(),
                    "jclouds.identity=" + ACCESS_KEY,
                    "jclouds.credential=" + SECRET_KEY, ""));
            Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(List.of(java, "-Xmx160m", "-jar", jar.toString(), "--properties", props.toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            ExternalProcess.awaitPort(port, p, log, Duration.ofSeconds(60));
            return new S3ProxyServer(p, port, dataDir, log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start S3Proxy: " + e.getMessage(), e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Process process() {
        return process;
    }

    /** Creates a bucket (a directory for the filesystem provider, which S3Proxy then serves as a bucket). */
    public void createBucket(String bucket) {
        try {
            Files.createDirectories(dataDir.resolve(bucket));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Keys of the multipart uploads in progress (started, neither completed nor aborted) in {@code bucket}, asked of
     * the server itself with ListMultipartUploads (never through a fault proxy).
     */
    public List<String> uploadsInProgress(String bucket) {
        try (S3Client client = S3Client.builder().endpointOverride(URI.create(endpoint())).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build()) {
            return client.listMultipartUploads(b -> b.bucket(bucket)).uploads().stream().map(MultipartUpload::key).toList();
        }
    }

    /** A YAML destination entry pointing at this server, indented for use under {@code destinations:}. */
    public String destinationYaml(String name, String bucket, String prefix) {
        return "  " + name + ":\n"
                + "    url: s3://" + bucket + "/" + prefix + "\n"
                + "    endpoint: " + endpoint() + "\n"
                + "    region: us-east-1\n"
                + "    path-style: true\n"
                + "    access-key-id: " + ACCESS_KEY + "\n"
                + "    secret-access-key: " + SECRET_KEY + "\n";
    }

    /** Stops the server (SIGTERM then SIGKILL); its data directory stays for a restart. */
    public void stop() {
        ExternalProcess.stop(process);
    }

    /** Stops the server and deletes its objects, properties and log (a restarted server closes the same ones). */
    @Override
    public void close() {
        stop();
        Path props = dataDir.resolveSibling(dataDir.getFileName() + ".properties");
        try {
            ExternalProcess.run(List.of("rm", "-rf", dataDir.toString(), props.toString(), log.toString()), Duration.ofSeconds(60));
        } catch (IllegalStateException ignored) {
            // leave it for the OS's /tmp cleanup
        }
    }

    @Override
    public String toString() {
        return "S3Proxy at " + endpoint() + " (log " + log + ")";
    }
}
