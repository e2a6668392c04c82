package dev.lifeboat.config;

import io.smallrye.config.WithName;

import java.util.Optional;

/**
 * The Fly Machines API, used to confirm that expected volumes exist, are attached and have recent snapshots.
 * Every key is optional: on a Fly machine the environment Fly sets is enough once {@code FLY_API_TOKEN} is a secret.
 */
public interface FlyConfig {
    /** Base URL of the Machines API. Absent: {@code $FLY_API_HOSTNAME}, else {@code http://_api.internal:4280}. */
    @WithName("api-url")
    Optional<String> apiUrl();

    /** App whose volumes are listed. Absent: {@code $FLY_APP_NAME}. */
    Optional<String> app();

    /** API token. Absent: {@code $FLY_API_TOKEN}; without either the Fly checks are skipped. Never printed. */
    @WithName("api-token")
    Optional<String> apiToken();

    /** Default base URL: the Machines API as seen from inside a Fly machine. */
    String DEFAULT_API_URL = "http://_api.internal:4280";
}
