package dev.lifeboat.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.Redaction;
import dev.lifeboat.config.DestinationConfig;
import dev.lifeboat.store.Destinations;

import java.time.Instant;

/**
 * A destination in the status API: where it is (endpoint redacted), how it authenticates (never the keys) and its
 * last reachability check; the check's fields are absent before the first one, {@code error} while it passes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DestinationStatus(String url, String endpoint, String region, boolean pathStyle, String credentials,
                                Boolean reachable, Instant checkedAt, String error) {

    static DestinationStatus of(DestinationConfig d, Destinations.Reachability check) {
        return new DestinationStatus(d.url(), d.endpoint().map(Redaction::url).orElse(null), d.region(), d.pathStyle(),
                d.accessKeyId().isPresent() ? "static keys (redacted)" : "default AWS chain",
                check == null ? null : check.reachable(), check == null ? null : check.checkedAt(),
                check == null ? null : check.error());
    }
}
