package dev.lifeboat.volume;

import dev.lifeboat.config.VolumeConfig;
import dev.lifeboat.runtime.Human;
import dev.lifeboat.volume.FlyMachinesClient.FlyApiException;
import dev.lifeboat.volume.FlyMachinesClient.FlySnapshot;
import dev.lifeboat.volume.FlyMachinesClient.FlyVolume;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Asks the Fly Machines API whether a configured volume exists, is attached and has a recent snapshot.
 *
 * <p>Which Fly volume: the one named {@code fly-volume}; without a name, the one attached to this machine
 * ({@code FLY_MACHINE_ID}). Several Fly volumes may share a name (one per machine); for a local volume the one
 * attached to this machine must be among them, for a remote one ({@code local: false}) at least one must be attached.
 */
final class FlyVolumeCheck {
    /** Fly keeps daily snapshots for this many days unless told otherwise. */
    static final int DEFAULT_SNAPSHOT_RETENTION_DAYS = 5;
    /** Volumes in these states are on their way out and do not count as existing. */
    private static final Set<String> GONE = Set.of("destroyed", "destroying", "pending_destroy", "deleted", "deleting");

    private FlyVolumeCheck() {
    }

    record Result(FlyFindings findings, List<Condition> conditions) {
    }

    static Result run(String volumeName, VolumeConfig config, FlyMachinesClient client, String machineId, Instant now) {
        List<Condition> failing = new ArrayList<>();
        List<FlyVolume> all;
        try {
            all = client.volumes().stream().filter(v -> v.state() == null || !GONE.contains(v.state())).toList();
        } catch (FlyApiException e) {
            failing.add(new Condition(Condition.Kind.FLY_API_ERROR, e.getMessage()));
            return new Result(new FlyFindings(null, config.flyVolume().orElse(null), null, null, null, null, null, now, e.getMessage()), failing);
        }
        String app = client.settings().app();
        boolean mine = config.local() && machineId != null && !machineId.isBlank();
        List<FlyVolume> candidates;
        String wanted;
        if (config.flyVolume().isPresent()) {
            wanted = "a Fly volume named '" + config.flyVolume().get() + "'";
            candidates = all.stream().filter(v -> config.flyVolume().get().equals(v.name())).toList();
        } else if (mine) {
            wanted = "a Fly volume attached to this machine (" + machineId + ")";
            candidates = all.stream().filter(v -> machineId.equals(v.attachedMachineId())).toList();
        } else {
            // Nothing to match on: say so once rather than guess.
            return new Result(null, List.of());
        }
        if (candidates.isEmpty()) {
            failing.add(new Condition(Condition.Kind.FLY_VOLUME_MISSING, "app '" + app + "' has no " + wanted
                    + " (Fly lists " + (all.isEmpty() ? "no volumes" : all.size() + " other volume(s)") + "); create it with fly volumes create "
                    + config.flyVolume().orElse("<name>") + " and mount it with fly.toml [mounts] source = \""
                    + config.flyVolume().orElse("<name>") + "\", destination = \"" + config.path() + "\""));
            return new Result(new FlyFindings(null, config.flyVolume().orElse(null), null, null, null, null, null, now, null), failing);
        }
        FlyVolume chosen;
        if (mine) {
            chosen = candidates.stream().filter(v -> machineId.equals(v.attachedMachineId())).findFirst().orElse(null);
            if (chosen == null) {
                FlyVolume any = candidates.get(0);
                failing.add(new Condition(Condition.Kind.FLY_VOLUME_NOT_ATTACHED, "Fly volume " + any.id() + " ('" + any.name() + "', "
                        + any.region() + ") is " + (any.attachedMachineId() == null ? "not attached to any machine"
                        : "attached to machine " + any.attachedMachineId()) + ", not to this machine " + machineId
                        + "; check fly.toml [mounts] and that this machine was created with the volume (fly machine status)"));
                return new Result(findings(any, null, null, now), failing);
            }
        } else {
            chosen = candidates.stream().filter(v -> v.attachedMachineId() != null).findFirst().orElse(null);
            if (chosen == null) {
                FlyVolume any = candidates.get(0);
                failing.add(new Condition(Condition.Kind.FLY_VOLUME_NOT_ATTACHED, "Fly volume " + any.id() + " ('" + any.name()
                        + "', " + any.region() + ") is not attached to any machine; the machine that should hold it is gone or was created without it"));
                return new Result(findings(any, null, null, now), failing);
            }
        }
        Duration maxAge = config.snapshotMaxAge().orElse(Duration.ofDays(
                chosen.snapshotRetentionDays() == null ? DEFAULT_SNAPSHOT_RETENTION_DAYS : chosen.snapshotRetentionDays()));
        Instant newest = null;
        try {
            newest = client.snapshots(chosen.id()).stream()
                    .filter(s -> s.createdAt() != null && (s.status() == null || !s.status().toLowerCase().contains("fail")))
                    .map(FlySnapshot::createdAt).max(Comparator.naturalOrder()).orElse(null);
        } catch (FlyApiException e) {
            failing.add(new Condition(Condition.Kind.FLY_API_ERROR, e.getMessage()));
            return new Result(new FlyFindings(chosen.id(), chosen.name(), chosen.state(), chosen.region(), chosen.attachedMachineId(),
                    null, maxAge, now, e.getMessage()), failing);
        }
        if (newest == null) {
            failing.add(new Condition(Condition.Kind.FLY_SNAPSHOT_STALE, "Fly volume " + chosen.id() + " has no snapshot"
                    + (Boolean.FALSE.equals(chosen.autoBackupEnabled()) ? ": scheduled snapshots are off (fly volumes update "
                    + chosen.id() + " --scheduled-snapshots=true)" : "; Fly takes one a day, check fly volumes snapshots list " + chosen.id())));
        } else if (Duration.between(newest, now).compareTo(maxAge) > 0) {
            failing.add(new Condition(Condition.Kind.FLY_SNAPSHOT_STALE, "newest snapshot of Fly volume " + chosen.id() + " was taken "
                    + newest + ", " + Human.duration(Duration.between(newest, now)) + " ago, older than " + Human.duration(maxAge)
                    + "; check fly volumes snapshots list " + chosen.id()));
        }
        return new Result(findings(chosen, newest, maxAge, now), failing);
    }

    private static FlyFindings findings(FlyVolume v, Instant newest, Duration maxAge, Instant now) {
        return new FlyFindings(v.id(), v.name(), v.state(), v.region(), v.attachedMachineId(), newest, maxAge, now, null);
    }
}
