package dev.lifeboat.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.Optional;

/** A data path that must be a real, healthy mounted volume (on Fly: a [mounts] entry in fly.toml). */
public interface VolumeConfig {
    /** Mount point to check, e.g. {@code /data}. */
    String path();

    /** Refuse to replicate or restore databases on this path while it is not a mount point. */
    @WithName("require-mount")
    @WithDefault("true")
    boolean requireMount();

    /** How often the checks run. */
    @WithName("check-interval")
    @WithDefault("30s")
    Duration checkInterval();

    /** Minimum free space, as a size ({@code 500MiB}) or a percentage ({@code 10%}). */
    @WithName("min-free")
    @WithDefault("10%")
    String minFree();

    /** Minimum free inodes, as a count or a percentage. */
    @WithName("min-free-inodes")
    @WithDefault("5%")
    String minFreeInodes();

    /** Expected filesystem type ({@code ext4}); any when absent. */
    @WithName("fs-type")
    Optional<String> fsType();

    /** Expected minimum total size of the filesystem. */
    @WithName("min-size")
    Optional<ByteSize> minSize();
}
