package dev.lifeboat.api;

import dev.lifeboat.testing.LifeboatTestEnvironment;
import dev.lifeboat.testing.S3ProxyServer;

/** Brings the test S3Proxy back on its old port and data directory after a test stopped it. */
final class LifeboatTestEnvironmentRestart {
    private LifeboatTestEnvironmentRestart() {
    }

    static void restart(S3ProxyServer stopped) {
        LifeboatTestEnvironment.replaceS3(S3ProxyServer.start(stopped.dataDir(), stopped.port()));
    }
}
