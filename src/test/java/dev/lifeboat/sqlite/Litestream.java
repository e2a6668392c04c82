package dev.lifeboat.sqlite;

import dev.lifeboat.testing.ExternalProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real litestream 0.3.13 binary, the reference peer for the replica format. Located by the
 * {@code lifeboat.litestream} system property or {@code LIFEBOAT_LITESTREAM}; otherwise installed once into the
 * test tools directory with {@code npm install --prefix target/test-tools @flydotio/litestream-linux-x64@1.0.1}.
 */
final class Litestream implements AutoCloseable {
    static final String NPM_PACKAGE = "@flydotio/litestream-linux-x64@1.0.1";
    private final Process process;
    private final Path log;

    private Litestream(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static synchronized Path binary() {
        String configured = System.getProperty("lifeboat.litestream", System.getenv("LIFEBOAT_LITESTREAM"));
        if (configured != null && Files.isExecutable(Path.of(configured))) {
            return Path.of(configured);
        }
        Path tools = ExternalProcess.testTools().toAbsolutePath();
        Path bin = tools.resolve("node_modules/@flydotio/litestream-linux-x64/litestream");
        if (!Files.isExecutable(bin)) {
            ExternalProcess.run(List.of("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", tools.toString(), NPM_PACKAGE),
                    Duration.ofMinutes(5));
        }
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException("litestream binary missing at " + bin + " after npm install " + NPM_PACKAGE);
        }
        return bin;
    }

    /** Writes a litestream.yml replicating {@code db} to the directory {@code replica} (the database's folder). */
    static Path fileConfig(Path dir, Path db, Path replica) throws IOException {
        Path cfg = dir.resolve("litestream.yml");
        Files.writeString(cfg, "dbs:\n  - path: " + db.toAbsolutePath() + "\n    replicas:\n      - type: file\n        path: "
                + replica.toAbsolutePath() + "\n        sync-interval: 100ms\n");
        return cfg;
    }

    /** Writes a litestream.yml replicating {@code db} to an S3-compatible endpoint. */
    static Path s3Config(Path dir, Path db, String endpoint, String bucket, String path, String key, String secret) throws IOException {
        Path cfg = dir.resolve("litestream.yml");
        Files.writeString(cfg, "dbs:\n  - path: " + db.toAbsolutePath() + "\n    replicas:\n      - type: s3\n        bucket: " + bucket
                + "\n        path: " + path + "\n        endpoint: " + endpoint + "\n        region: us-east-1\n        force-path-style: true\n"
                + "        access-key-id: " + key + "\n        secret-access-key: " + secret + "\n        sync-interval: 1s\n");
        return cfg;
    }

    /** Starts {@code litestream replicate}; stopped by close(). */
    static Litestream replicate(Path config) throws IOException {
        Path log = config.resolveSibling("litestream.log");
        Process p = new ProcessBuilder(binary().toString(), "replicate", "-config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Litestream(p, log);
    }

    /** Runs {@code litestream restore} of the replica at {@code replicaUrl} into {@code output}; returns its output. */
    static String restore(Path output, String replicaUrl, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(binary().toString(), "restore", "-o", output.toString()));
        cmd.addAll(List.of(extra));
        cmd.add(replicaUrl);
        return ExternalProcess.run(cmd, Duration.ofMinutes(2));
    }

    /** Runs {@code litestream restore -config F -o OUT DBPATH} (S3 replicas need the config for credentials). */
    static String restoreWithConfig(Path config, Path output, Path db) {
        return ExternalProcess.run(List.of(binary().toString(), "restore", "-config", config.toString(), "-o", output.toString(),
                db.toAbsolutePath().toString()), Duration.ofMinutes(2));
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        process.toHandle().destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
