package dev.lifeboat.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

import java.util.Map;

/**
 * The whole of a user's {@code lifeboat.yml}. Top-level YAML keys map one to one onto the methods here; the
 * {@value #PREFIX} prefix exists only inside the program and never appears in the file.
 *
 * <p>Loaded and validated by {@link ConfigLoader}, never by Quarkus's own configuration, so that a user's mistake
 * becomes a list of messages naming the key instead of a stack trace at start-up.
 */
@ConfigMapping(prefix = LifeboatConfig.PREFIX)
public interface LifeboatConfig {
    /** Internal prefix under which the YAML tree is mapped. */
    String PREFIX = "lifeboat";

    /** Said by check-config and status when {@link #databases()} is empty: valid, but nothing is protected. */
    String NO_DATABASES = "no databases are configured: nothing is backed up or replicated (add a databases: section)";

    /** Named places where backups and replicas are stored, referenced by databases' {@code destination}. */
    Map<String, DestinationConfig> destinations();

    /** Databases to protect, by name; the name is also the folder of their objects in the destination. */
    Map<String, DatabaseConfig> databases();

    /** Data paths that must be real, healthy mounted volumes. */
    Map<String, VolumeConfig> volumes();

    /** Alert rules and the sinks that receive notifications. */
    AlertsConfig alerts();

    /** How Lifeboat reaches the Fly Machines API (volume and snapshot checks). */
    FlyConfig fly();

    /** Settings of the HTTP API served by long-running commands. */
    @WithName("http")
    HttpConfig http();
}
