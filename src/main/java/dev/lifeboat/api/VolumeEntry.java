package dev.lifeboat.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.lifeboat.volume.VolumeStatus;

/**
 * A volume in the status API: its configuration, then its latest check inline, or {@code checked: false} before the
 * first check.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VolumeEntry(String path, boolean requireMount, Boolean checked, @JsonUnwrapped VolumeStatus check) {
}
