package dev.lifeboat.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A data path that must be a real, healthy mounted volume (on Fly: a [mounts] entry in fly.toml). Checked by
 * {@code dev.lifeboat.volume}: mount, filesystem, write probe, space, inodes, the databases on it and, with a Fly API
 * token, the Fly volume and its snapshots.
 */
public interface VolumeConfig {
    /** Mount point to check, e.g. {@code /data}; a subdirectory of the mount point ({@code /data/app}) works too. */
    String path();

    /**
     * False for a volume attached to another machine (e.g. the PostgreSQL machines seen from a separate Lifeboat
     * process group): only the Fly Machines API checks run, and the path is not looked at.
     */
    @WithDefault("true")
    boolean local();

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

    /** A write + fsync probe slower than this is reported as slow storage. */
    @WithName("max-fsync-latency")
    @WithDefault(DEFAULT_MAX_FSYNC_LATENCY)
    Duration maxFsyncLatency();

    /** Report the volume when, at the recent growth rate, it would be full sooner than this; absent: never. */
    @WithName("min-time-to-full")
    Optional<Duration> minTimeToFull();

    /**
     * Names of databases (under {@code databases}) whose files must live on this volume. Absent: every sqlite
     * database whose {@code path} lies under this volume's {@code path}.
     */
    Optional<List<String>> databases();

    /**
     * Name of the Fly volume expected here (the {@code source} of the fly.toml [mounts] entry). Absent: the volume the
     * Fly Machines API reports attached to this machine ({@code FLY_MACHINE_ID}). Checked only with {@code FLY_API_TOKEN} set.
     */
    @WithName("fly-volume")
    Optional<String> flyVolume();

    /**
     * The newest Fly snapshot of the volume must be younger than this. Absent: the volume's own snapshot retention as
     * Fly reports it ({@code snapshot_retention} days, 5 when unset).
     */
    @WithName("snapshot-max-age")
    Optional<Duration> snapshotMaxAge();

    /** How often the Fly Machines API is asked (its data changes slowly; the local checks run every check-interval). */
    @WithName("fly-check-interval")
    @WithDefault(DEFAULT_FLY_CHECK_INTERVAL)
    Duration flyCheckInterval();

    String DEFAULT_MAX_FSYNC_LATENCY = "1s";
    String DEFAULT_FLY_CHECK_INTERVAL = "5m";
}
