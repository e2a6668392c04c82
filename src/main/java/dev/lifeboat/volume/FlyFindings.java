package dev.lifeboat.volume;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.time.Duration;
import java.time.Instant;

/**
 * What the Fly Machines API said about the Fly volume behind a configured volume. Serialized as it is in the status
 * API and {@code lifeboat volumes --json}: absent values left out, times and durations as ISO-8601 text.
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
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FlyFindings(String volumeId, String name, String state, String region, String attachedMachineId,
                @JsonSerialize(using = ToStringSerializer.class) Instant newestSnapshotAt,
                @JsonSerialize(using = ToStringSerializer.class) Duration snapshotMaxAge,
                @JsonSerialize(using = ToStringSerializer.class) Instant checkedAt, String error) {
}
