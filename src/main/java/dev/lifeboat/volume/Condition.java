package dev.lifeboat.volume;

/**
 * One failing check of a volume: what kind of failure, and a sentence for a person (what is wrong, what to check).
 * The alerting code keys alerts on {@code (kind, volume)}; reasons may change from one check to the next (numbers).
 *
 * @param kind   stable identifier of the failing check
 * @param reason what was seen and what to do; never holds secrets
 */
public record Condition(Kind kind, String reason) {

    /** How bad a failing check is, in the alerting vocabulary. */
    public enum Severity { WARNING, CRITICAL }

    /**
     * Every check that can fail. {@link #blocksWrites()} marks the ones that make the path unsafe for a database:
     * {@link VolumeGuard} refuses to replicate or restore while one of them holds.
     */
    public enum Kind {
        /** The configured path does not exist (ENOENT): the volume vanished or was never mounted there. */
        PATH_MISSING(Severity.CRITICAL, true),
        /** The path is on the root filesystem (directly or through a bind mount): data would be lost with the machine. */
        NOT_MOUNTED(Severity.CRITICAL, true),
        /** The mount or its filesystem is read-only. */
        READ_ONLY(Severity.CRITICAL, true),
        /** The write + fsync + read-back + delete probe failed. */
        PROBE_FAILED(Severity.CRITICAL, true),
        /** A configured database file is not on this volume. */
        DATABASE_OFF_VOLUME(Severity.CRITICAL, true),
        /** The filesystem type differs from {@code fs-type}. */
        WRONG_FS_TYPE(Severity.WARNING, true),
        /** The filesystem is smaller than {@code min-size}. */
        TOO_SMALL(Severity.WARNING, false),
        /** Free space is below {@code min-free}. */
        LOW_SPACE(Severity.CRITICAL, false),
        /** Free inodes are below {@code min-free-inodes}. */
        LOW_INODES(Severity.CRITICAL, false),
        /** The probe's fsync took longer than {@code max-fsync-latency}. */
        SLOW_FSYNC(Severity.WARNING, false),
        /** At the recent growth rate the volume is full sooner than {@code min-time-to-full}. */
        FILLING_UP(Severity.WARNING, false),
        /** The Fly Machines API lists no volume with the expected name. */
        FLY_VOLUME_MISSING(Severity.CRITICAL, false),
        /** The Fly volume exists but is not attached (to this machine, for a local volume). */
        FLY_VOLUME_NOT_ATTACHED(Severity.CRITICAL, false),
        /** The Fly volume's newest snapshot is older than allowed, or there is none. */
        FLY_SNAPSHOT_STALE(Severity.WARNING, false),
        /** The Fly Machines API could not be asked (unreachable, refused the token, unexpected answer). */
        FLY_API_ERROR(Severity.WARNING, false);

        private final Severity severity;
        private final boolean blocksWrites;

        Kind(Severity severity, boolean blocksWrites) {
            this.severity = severity;
            this.blocksWrites = blocksWrites;
        }

        /** Default severity of an alert for this kind. */
        public Severity severity() {
            return severity;
        }

        /** True when a database must not be replicated or restored onto the volume while this holds. */
        public boolean blocksWrites() {
            return blocksWrites;
        }

        /** Lower-case name used in JSON, metrics and alert rule names ({@code low_space}). */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code low_space: ...}. */
    @Override
    public String toString() {
        return kind.id() + ": " + reason;
    }
}
