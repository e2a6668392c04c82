package dev.lifeboat.volume;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the Fly Machines API said about the Fly volume behind a configured volume.
 *
 * @param volumeId         Fly volume id ({@code vol_...}), null when none matched
 * @param name             Fly volume name
 * @param state            Fly's state of the volume ({@code created}...)
 * @param region           region of the volume
 * @param attachedMachineId machine it is attached to, null when detached
 * @param newestSnapshotAt creation time of the newest snapshot, null when none
 * @param snapshotMaxAge   the newest snapshot had to be younger than this
 * @param checkedAt        when the API was asked
 * @param error            why the API could not be asked, else null
 */
public record FlyFindings(String volumeId, String name, String state, String region, String attachedMachineId,
                Instant newestSnapshotAt, Duration snapshotMaxAge, Instant checkedAt, String error) {
    /** JSON-friendly form for status and {@code lifeboat volumes --json}; absent values are left out. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "volumeId", volumeId);
        put(m, "name", name);
        put(m, "state", state);
        put(m, "region", region);
        put(m, "attachedMachineId", attachedMachineId);
        put(m, "newestSnapshotAt", newestSnapshotAt);
        put(m, "snapshotMaxAge", snapshotMaxAge);
        put(m, "checkedAt", checkedAt);
        put(m, "error", error);
        return m;
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value.toString());
        }
    }
}
