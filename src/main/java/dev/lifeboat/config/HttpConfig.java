package dev.lifeboat.config;

import java.time.Duration;
import java.util.Optional;

/** HTTP API settings that belong to Lifeboat (host and port are Quarkus's {@code quarkus.http.*}, see README). */
public interface HttpConfig {
    /** Bearer token required by state-changing endpoints ({@code POST}); those endpoints are disabled without it. Never printed. */
    @io.smallrye.config.WithName("api-token")
    Optional<String> apiToken();

    /**
     * Bearer token required by the {@code GET /api/v1/**} endpoints when set (the api-token is accepted too); without
     * it reads stay open. Never printed.
     */
    @io.smallrye.config.WithName("read-token")
    Optional<String> readToken();

    /**
     * How long {@code GET /api/v1/status} and {@code GET /api/v1/databases} answer from one assembled document before
     * assembling the next ({@code 0s}: every request assembles its own). The verdict is never older: a change of the
     * verdict, of the alerts, of a destination check, of the configuration or the start or end of a run (backup,
     * drill, snapshot, volume check) makes the next request assemble at once. So this bounds only how old the figures
     * that move by themselves (lag, RPO, counters) may be; the document's {@code now} says when it was assembled.
     */
    @io.smallrye.config.WithName("status-cache")
    @io.smallrye.config.WithDefault("1s")
    Duration statusCache();
}
