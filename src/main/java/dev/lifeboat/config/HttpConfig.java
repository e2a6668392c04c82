package dev.lifeboat.config;

import java.util.Optional;

/** HTTP API settings that belong to Lifeboat (host and port are Quarkus's {@code quarkus.http.*}, see README). */
public interface HttpConfig {
    /** Bearer token required by state-changing endpoints ({@code POST}); those endpoints are disabled without it. Never printed. */
    @io.smallrye.config.WithName("api-token")
    Optional<String> apiToken();
}
