package dev.lifeboat.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * For {@code @QuarkusTest}s: a real S3Proxy and a configuration file using it, installed as the agent's
 * configuration (system property {@code lifeboat.config}, read by {@code ConfigLoader.resolvePath}).
 * The config also holds a PostgreSQL URL with a password and S3 keys so tests can prove they are redacted.
 */
public class LifeboatTestEnvironment implements QuarkusTestResourceLifecycleManager {
    public static final String DB_PASSWORD = "pg-password-never-shown";
    static S3ProxyServer s3;
    static Path configFile;

    public static S3ProxyServer s3() {
        return s3;
    }

    /** For tests that stop the server and start it again on the same port and data. */
    public static void replaceS3(S3ProxyServer restarted) {
        s3 = restarted;
    }

    public static Path configFile() {
        return configFile;
    }

    @Override
    public Map<String, String> start() {
        try {
            s3 = S3ProxyServer.start();
            s3.createBucket("lifeboat-test");
            Path dir = Files.createTempDirectory("lifeboat-quarkus-test-");
            String yaml = "destinations:\n" + s3.destinationYaml("main", "lifeboat-test", "agent")
                    + "  local:\n    url: file://" + dir.resolve("replica") + "\n"
                    + "databases:\n"
                    + "  app: { type: sqlite, path: " + dir.resolve("app.db") + ", destination: local }\n"
                    + "  shop: { type: postgres, url: 'postgres://backup:" + DB_PASSWORD + "@127.0.0.1:1/shop', destination: main }\n"
                    + "volumes:\n  data: { path: " + dir + " }\n"
                    + "http:\n  api-token: test-token-never-shown\n";
            configFile = TestConfigs.write(dir, yaml);
            System.setProperty("lifeboat.config", configFile.toString());
            return Map.of();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        System.clearProperty("lifeboat.config");
        if (s3 != null) {
            s3.close();
        }
    }
}
