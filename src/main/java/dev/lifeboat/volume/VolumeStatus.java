package dev.lifeboat.volume;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * A {@link VolumeReport} as the status API and {@code lifeboat volumes --json} show it; measurements that were not
 * taken are left out. Times are written as ISO-8601 text by any ObjectMapper (the CLI's has no time module). No
 * secrets: reports hold none.
 *
 * @param fsyncLatencyMs    how long the probe's fsync took, in milliseconds
 * @param timeToFullSeconds time until full at the recent growth rate, when growing
 * @param estimatedFullAt   when that is
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VolumeStatus(boolean healthy, @JsonSerialize(using = ToStringSerializer.class) Instant checkedAt, long sequence,
                           Boolean mounted, String mountPoint, String fsType, String source, Boolean readOnly,
                           Long totalBytes, Long freeBytes, Long totalInodes, Long freeInodes, Double fsyncLatencyMs,
                           Double growthBytesPerSecond, Long timeToFullSeconds,
                           @JsonSerialize(using = ToStringSerializer.class) Instant estimatedFullAt,
                           List<String> databases, FlyFindings fly, List<Failing> failing) {

    /** One failing condition: its id ({@code not_mounted}...), severity ({@code critical}...) and reason. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "VolumeCondition")
    public record Failing(String condition, String severity, String reason) {
    }

    /** A volume's status with its name and path first, as {@code lifeboat volumes --json} lists it. */
    @io.quarkus.runtime.annotations.RegisterForReflection // Jackson writes it at run time (NativeRegistrationIT)
    public record Named(String volume, String path, @JsonUnwrapped VolumeStatus status) {
    }

    public static VolumeStatus of(VolumeReport r) {
        return new VolumeStatus(r.healthy(), r.checkedAt(), r.sequence(), r.mounted(), r.mountPoint(), r.fsType(), r.source(),
                r.readOnly(), r.totalBytes(), r.freeBytes(), r.totalInodes(), r.freeInodes(),
                r.fsyncLatency() == null ? null : r.fsyncLatency().toNanos() / 1e6, r.growthBytesPerSecond(),
                r.timeToFull() == null ? null : r.timeToFull().getSeconds(),
                r.timeToFull() == null ? null : r.checkedAt().plus(r.timeToFull()), r.databases(), r.fly(),
                r.failing().stream().map(c -> new Failing(c.kind().id(), c.kind().severity().name().toLowerCase(Locale.ROOT), c.reason())).toList());
    }

    public static Named named(VolumeReport r) {
        return new Named(r.volume(), r.path(), of(r));
    }
}
