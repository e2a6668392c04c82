package dev.lifeboat.config;

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
}
