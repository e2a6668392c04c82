package dev.lifeboat.store;

import java.time.Instant;

/**
 * What a store knows of one object.
 *
 * @param key          key relative to the store's prefix
 * @param size         bytes
 * @param lastModified when the store last wrote it (not a backup's time: manifests record that)
 */
public record ObjectInfo(String key, long size, Instant lastModified) {
}
