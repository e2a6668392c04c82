package dev.lifeboat.faults;

import dev.lifeboat.alert.Receiver;
import dev.lifeboat.testing.FaultProxy;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;

/**
 * For {@link ObjectStoreOutageTest}: the real parts between which the faults are made. S3Proxy behind a
 * {@link FaultProxy} (the agent's only way to the bucket), PostgreSQL 15 with a database {@code shop} big enough
 * that its pg_dump goes up in several multipart parts, a SQLite path for the app, and a webhook receiver. The agent's
 * configuration uses short timeouts and retry backoffs so that an outage is detected and outlived quickly; the
 * destination is checked every second (Quarkus property {@code lifeboat.destination-check-interval}).
 */
public class OutageEnvironment implements QuarkusTestResourceLifecycleManager {
    static final String BUCKET = "outage";
    /** The pg_dump upload's part size (S3's smallest); {@code shop} dumps to about 4 of them. */
    static final int PART_MIB = 5;

    static S3ProxyServer s3;
    static FaultProxy proxy;
    static PostgresServer postgres;
    static Receiver receiver;
    static Path dir;
    static Path sqlite;
    static Path configFile;
    static String yaml;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("lifeboat-outage-");
            s3 = S3ProxyServer.start();
            s3.createBucket(BUCKET);
            proxy = FaultProxy.http("127.0.0.1", s3.port());
            postgres = PostgresServer.start();
            postgres.createDatabase("shop");
            // ~20 MB of incompressible-enough text: pg_dump -Z0 with compression none streams 4 parts of 5 MiB.
            postgres.sql("shop", "CREATE TABLE items (id bigint PRIMARY KEY, payload text NOT NULL)",
                    "INSERT INTO items SELECT i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 300000) i");
            receiver = new Receiver();
            receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
            sqlite = dir.resolve("app.db");
            yaml = "destinations:\n" + s3.destinationYaml("s3", BUCKET, "lifeboat").replace(s3.endpoint(), proxy.endpoint())
                    + "    connect-timeout: 1s\n"
                    + "    request-timeout: 2s\n"
                    + "    part-size: " + PART_MIB + "MiB\n"
                    + "databases:\n"
                    + "  app:\n"
                    + "    type: sqlite\n"
                    + "    path: " + sqlite + "\n"
                    + "    destination: s3\n"
                    + "    sync-interval: 200ms\n"
                    + "    audit-interval: 1h\n"
                    + "    drill: {enabled: false}\n"
                    + "  shop:\n"
                    + "    type: postgres\n"
                    + "    url: " + postgres.url("shop") + "\n"
                    + "    destination: s3\n"
                    + "    schedule: 1h\n"
                    + "    compression: none\n"
                    + "    retry-backoff: 2s\n"
                    + "    retry-max-backoff: 8s\n"
                    + "    audit-interval: 1h\n"
                    + "    drill: {enabled: false}\n"
                    + "alerts:\n"
                    + "  for: 0s\n"
                    + "  evaluate-interval: 1s\n"
                    + "  state-dir: " + dir.resolve("alerts") + "\n"
                    + "  delivery: {initial-backoff: 1s, max-backoff: 2s}\n"
                    + "  sinks:\n"
                    + "    hook: {type: webhook, url: \"" + receiver.url("/hook") + "\", min-severity: info}\n";
            configFile = TestConfigs.write(dir, yaml);
            System.setProperty("lifeboat.config", configFile.toString());
            return Map.of("lifeboat.destination-check-interval", "1s");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        System.clearProperty("lifeboat.config");
        for (AutoCloseable c : new AutoCloseable[] {proxy, receiver, postgres, s3}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the next one still closes
            }
        }
        if (dir != null) {
            dev.lifeboat.testing.ExternalProcess.run(java.util.List.of("rm", "-rf", dir.toString()), java.time.Duration.ofSeconds(60));
        }
    }
}
