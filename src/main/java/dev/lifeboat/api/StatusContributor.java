package dev.lifeboat.api;

import java.util.Map;

/**
 * A capability's part of {@code GET /api/v1/status}. Each capability (backups, replication, volumes, drills,
 * alerts) implements this as a CDI bean and adds its fields; the resource only assembles. Values must be
 * JSON-serializable and must never hold secrets.
 */
public interface StatusContributor {
    /** Adds fields to the entry of database {@code name}. */
    default void describeDatabase(String name, Map<String, Object> entry) {
    }

    /** Adds fields to the entry of volume {@code name}. */
    default void describeVolume(String name, Map<String, Object> entry) {
    }

    /** Adds top-level sections. */
    default void describe(Map<String, Object> status) {
    }
}
