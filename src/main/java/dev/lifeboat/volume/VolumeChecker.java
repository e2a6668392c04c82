package dev.lifeboat.volume;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.VolumeConfig;
import dev.lifeboat.runtime.Human;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs every check of one configured volume and returns a {@link VolumeReport}. Keeps what must outlive one check:
 * the growth samples and the last Fly Machines API answer (asked every {@code fly-check-interval} only).
 *
 * <p>Checks, in order; a check that makes the following ones meaningless stops there:
 * <ol>
 *   <li>the path exists (ENOENT: the volume vanished or was never mounted) — stop otherwise;</li>
 *   <li>it lies on a mount distinct from the root filesystem (mountinfo; a bind mount of a root-disk directory does
 *       not count; a subdirectory of a mount does) — stop otherwise: space and probe would describe the root disk;</li>
 *   <li>filesystem type, minimum size;</li>
 *   <li>read-write, then the write + fsync + read-back + delete probe and its fsync latency;</li>
 *   <li>free space and free inodes against thresholds; growth rate and time until full;</li>
 *   <li>every database file meant for this volume is on this very mount (symlinks and nested mounts resolved).</li>
 * </ol>
 * With Fly API settings, the Fly checks ({@link FlyVolumeCheck}) are added. Blocking I/O: run it off request threads.
 */
public final class VolumeChecker {
    private final String name;
    private final VolumeConfig volume;
    private final LifeboatConfig config;
    private final MountSource mounts;
    private final FlyMachinesClient fly;
    private final String machineId;
    private final Clock clock;
    private final GrowthTracker growth = new GrowthTracker();
    private final Threshold minFree;
    private final Threshold minFreeInodes;
    private volatile FlyVolumeCheck.Result lastFly;
    private volatile Instant lastFlyAt;

    /** Where the mount table comes from; tests and other namespaces can substitute their own file. */
    @FunctionalInterface
    public interface MountSource {
        MountTable read() throws IOException;
    }

    /**
     * @param name      the volume's name under {@code volumes}
     * @param config    the whole configuration (databases are looked up in it)
     * @param mounts    usually {@link MountTable#read()}
     * @param fly       Fly Machines API client, or null to skip the Fly checks
     * @param machineId this machine's id ({@code FLY_MACHINE_ID}), or null
     */
    public VolumeChecker(String name, LifeboatConfig config, MountSource mounts, FlyMachinesClient fly, String machineId, Clock clock) {
        this.name = name;
        this.volume = config.volumes().get(name);
        if (volume == null) {
            throw new IllegalArgumentException("no volume named '" + name + "'");
        }
        this.config = config;
        this.mounts = mounts;
        this.fly = fly;
        this.machineId = machineId;
        this.clock = clock;
        this.minFree = Threshold.parse(volume.minFree(), true);
        this.minFreeInodes = Threshold.parse(volume.minFreeInodes(), false);
    }

    /** Checker reading this process's mount table and the system clock. */
    public VolumeChecker(String name, LifeboatConfig config, FlyMachinesClient fly, String machineId) {
        this(name, config, MountTable::read, fly, machineId, Clock.systemUTC());
    }

    public String name() {
        return name;
    }

    public VolumeConfig volume() {
        return volume;
    }

    /**
     * Runs every check once.
     *
     * @param sequence number of this check, recorded in the report
     * @param forceFly ask the Fly API even if its last answer is younger than {@code fly-check-interval}
     */
    public VolumeReport check(long sequence, boolean forceFly) {
        Builder r = new Builder(sequence);
        if (volume.local()) {
            checkLocal(r, null);
        }
        if (fly != null) {
            Instant now = clock.instant();
            if (forceFly || lastFly == null || lastFlyAt.plus(volume.flyCheckInterval()).isBefore(now)) {
                lastFly = FlyVolumeCheck.run(name, volume, fly, machineId, now);
                lastFlyAt = now;
            }
            r.fly = lastFly.findings();
            r.failing.addAll(lastFly.conditions());
        }
        return r.build(clock.instant());
    }

    /**
     * The conditions that make this volume unsafe for {@code databaseFile} right now (see {@link VolumeGuard}):
     * the local checks without space thresholds' history, with only that file's placement checked.
     */
    List<Condition> blockingFor(Path databaseFile, String databaseName) {
        Builder r = new Builder(0);
        checkLocal(r, new Target(databaseName, databaseFile));
        return r.failing.stream().filter(c -> c.kind().blocksWrites()).toList();
    }

    private record Target(String name, Path file) {
    }

    private void checkLocal(Builder r, Target only) {
        Path path = Path.of(volume.path()).toAbsolutePath().normalize();
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            r.mounted = false;
            r.failing.add(new Condition(Condition.Kind.PATH_MISSING, path + " does not exist (ENOENT): the volume is not mounted there or has gone away. "
                    + FlyHints.mounts(name, volume)));
            return;
        } catch (IOException e) {
            r.mounted = false;
            r.failing.add(new Condition(Condition.Kind.PATH_MISSING, "cannot resolve " + path + ": " + e + ". " + FlyHints.mounts(name, volume)));
            return;
        }
        MountTable table;
        try {
            table = mounts.read();
        } catch (IOException e) {
            r.mounted = false;
            r.failing.add(new Condition(Condition.Kind.NOT_MOUNTED, "cannot read the mount table (" + e.getMessage() + ") to prove " + path + " is mounted"));
            return;
        }
        Optional<MountTable.Mount> covering = table.covering(real);
        if (covering.isEmpty()) {
            r.mounted = false;
            r.failing.add(new Condition(Condition.Kind.NOT_MOUNTED, "no mount holds " + real + ". " + FlyHints.mounts(name, volume)));
            return;
        }
        MountTable.Mount m = covering.get();
        r.mountPoint = m.mountPoint().toString();
        r.fsType = m.fsType();
        r.source = m.source();
        r.readOnly = m.readOnly();
        Optional<String> notVolume = table.notDistinctFromRoot(m);
        r.mounted = notVolume.isEmpty();
        if (notVolume.isPresent()) {
            r.failing.add(new Condition(Condition.Kind.NOT_MOUNTED, path + (real.equals(path) ? "" : " (" + real + ")") + ": " + notVolume.get()
                    + "; data written there is lost when the machine is replaced. " + FlyHints.mounts(name, volume)));
            return;
        }
        volume.fsType().filter(expected -> !expected.equals(m.fsType())).ifPresent(expected ->
                r.failing.add(new Condition(Condition.Kind.WRONG_FS_TYPE, path + " is on " + MountTable.describe(m) + ", expected fs-type " + expected)));
        if (m.readOnly()) {
            r.failing.add(new Condition(Condition.Kind.READ_ONLY, path + " is mounted read-only (" + MountTable.describe(m) + ", options "
                    + String.join(",", m.options()) + "); the kernel remounts a filesystem read-only after I/O errors: check dmesg and fly logs, restart the machine"));
        } else {
            try {
                r.fsyncLatency = WriteProbe.run(real);
                if (r.fsyncLatency.compareTo(volume.maxFsyncLatency()) > 0) {
                    r.failing.add(new Condition(Condition.Kind.SLOW_FSYNC, "fsync on " + path + " took " + Human.millis(r.fsyncLatency)
                            + ", more than max-fsync-latency " + Human.duration(volume.maxFsyncLatency()) + "; the disk is overloaded or failing"));
                }
            } catch (IOException | RuntimeException e) {
                r.failing.add(new Condition(Condition.Kind.PROBE_FAILED, "writing a probe file in " + path + " failed: " + describe(e)));
            }
        }
        if (only == null) {
            space(r, real, path);
        }
        for (Target db : only == null ? databases() : List.of(only)) {
            placement(r, table, m, path, db);
        }
    }

    private void space(Builder r, Path real, Path path) {
        FsStats stats;
        try {
            stats = FsStats.of(real);
        } catch (IOException e) {
            r.failing.add(new Condition(Condition.Kind.PROBE_FAILED, "cannot read free space of " + path + ": " + describe(e)));
            return;
        }
        r.totalBytes = stats.totalBytes();
        r.freeBytes = stats.freeBytes();
        volume.minSize().filter(min -> stats.totalBytes() < min.bytes()).ifPresent(min ->
                r.failing.add(new Condition(Condition.Kind.TOO_SMALL, path + " is " + Human.bytes(stats.totalBytes()) + ", smaller than min-size "
                        + Human.bytes(min.bytes()) + "; extend it with fly volumes extend")));
        if (!minFree.satisfiedBy(stats.freeBytes(), stats.totalBytes())) {
            r.failing.add(new Condition(Condition.Kind.LOW_SPACE, path + " has " + Human.bytes(stats.freeBytes()) + " free of "
                    + Human.bytes(stats.totalBytes()) + " (" + percent(stats.freeBytes(), stats.totalBytes()) + "), below min-free " + minFreeText()
                    + "; delete old data or extend the volume (fly volumes extend)"));
        }
        if (stats.totalInodes() > 0) {
            r.totalInodes = stats.totalInodes();
            r.freeInodes = stats.freeInodes();
            if (!minFreeInodes.satisfiedBy(stats.freeInodes(), stats.totalInodes())) {
                r.failing.add(new Condition(Condition.Kind.LOW_INODES, path + " has " + stats.freeInodes() + " free inodes of " + stats.totalInodes()
                        + " (" + percent(stats.freeInodes(), stats.totalInodes()) + "), below min-free-inodes " + minFreeInodes
                        + "; something creates many small files"));
            }
        }
        growth.add(clock.instant(), stats.usedBytes());
        r.growthBytesPerSecond = growth.bytesPerSecond().orElse(null);
        r.timeToFull = growth.timeToFull(stats.freeBytes()).orElse(null);
        if (r.timeToFull != null && volume.minTimeToFull().isPresent() && r.timeToFull.compareTo(volume.minTimeToFull().get()) < 0) {
            r.failing.add(new Condition(Condition.Kind.FILLING_UP, path + " grows " + Human.bytes((long) (r.growthBytesPerSecond * 3600))
                    + "/h and will be full in about " + Human.duration(r.timeToFull) + ", sooner than min-time-to-full "
                    + Human.duration(volume.minTimeToFull().get())));
        }
    }

    private String minFreeText() {
        return minFree.percent() >= 0 ? minFree.toString() : Human.bytes(minFree.absolute());
    }

    /** The database's file (or, before it exists, its nearest existing directory) must be on the volume's mount. */
    private void placement(Builder r, MountTable table, MountTable.Mount volumeMount, Path volumePath, Target db) {
        r.databases.add(db.name());
        Path file = db.file().toAbsolutePath().normalize();
        if (!file.startsWith(volumePath)) {
            r.failing.add(new Condition(Condition.Kind.DATABASE_OFF_VOLUME, "database '" + db.name() + "' (" + file + ") is outside volume '"
                    + name + "' (" + volumePath + "); its data would not survive the machine. Move it under " + volumePath
                    + " (databases." + db.name() + ".path)"));
            return;
        }
        Path existing = file;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        Path real;
        try {
            real = existing.toRealPath();
        } catch (IOException e) {
            return;
        }
        MountTable.Mount holder = table.covering(real).orElse(null);
        if (holder == null || holder.id() != volumeMount.id()) {
            r.failing.add(new Condition(Condition.Kind.DATABASE_OFF_VOLUME, "database '" + db.name() + "' (" + file + ") resolves to " + real
                    + " on " + (holder == null ? "no mount" : MountTable.describe(holder)) + ", not on volume '" + name + "' ("
                    + MountTable.describe(volumeMount) + "); a symlink or another mount moves it off the volume"));
        }
    }

    /** The databases whose files belong on this volume: the configured list, else the sqlite files under its path. */
    List<Target> databases() {
        Path volumePath = Path.of(volume.path()).toAbsolutePath().normalize();
        List<Target> out = new ArrayList<>();
        if (volume.databases().isPresent()) {
            for (String db : volume.databases().get()) {
                DatabaseConfig d = config.databases().get(db);
                if (d != null && d.path().isPresent()) {
                    out.add(new Target(db, Path.of(d.path().get())));
                }
            }
            return out;
        }
        config.databases().forEach((db, d) -> {
            if (d.type() == DatabaseType.SQLITE && d.path().isPresent()
                    && Path.of(d.path().get()).toAbsolutePath().normalize().startsWith(volumePath)) {
                out.add(new Target(db, Path.of(d.path().get())));
            }
        });
        out.sort(java.util.Comparator.comparing(Target::name));
        return out;
    }

    private static String percent(long part, long whole) {
        return whole <= 0 ? "?" : String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            m = fs.getReason();
        }
        return e.getClass().getSimpleName() + (m == null ? "" : " (" + m + ")");
    }

    /** Mutable collector of one check's findings. */
    private final class Builder {
        final long sequence;
        Boolean mounted;
        String mountPoint;
        String fsType;
        String source;
        Boolean readOnly;
        Long totalBytes;
        Long freeBytes;
        Long totalInodes;
        Long freeInodes;
        Duration fsyncLatency;
        Double growthBytesPerSecond;
        Duration timeToFull;
        FlyFindings fly;
        final List<String> databases = new ArrayList<>();
        final List<Condition> failing = new ArrayList<>();

        Builder(long sequence) {
            this.sequence = sequence;
        }

        VolumeReport build(Instant at) {
            return new VolumeReport(name, volume.path(), sequence, at, mounted, mountPoint, fsType, source, readOnly,
                    totalBytes, freeBytes, totalInodes, freeInodes, fsyncLatency, growthBytesPerSecond, timeToFull,
                    databases, fly, failing);
        }
    }
}
