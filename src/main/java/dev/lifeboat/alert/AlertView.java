package dev.lifeboat.alert;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * An alert as the API and status show it. Never secrets: summaries, labels and values are scrubbed upstream.
 *
 * @param key            rule and subject ({@code volume-unmounted/data})
 * @param severity       {@code warning}, {@code critical}...
 * @param status         {@code pending}, {@code firing} or {@code resolved}
 * @param firedAt        when it started firing; it, {@code lastNotifiedAt} and {@code notifications} are absent while pending
 * @param resolvedAt     when it resolved, absent before
 */
public record AlertView(String key, String rule, String subject, String severity, String status, String summary,
                        Map<String, String> labels, Map<String, String> values, Instant activeSince,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Instant firedAt,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Instant lastNotifiedAt,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Integer notifications,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Instant resolvedAt) {

    static AlertView of(AlertState a) {
        boolean fired = a.firedAt() != null;
        return new AlertView(a.key(), a.rule(), a.subject(), a.severity().id(), a.status().name().toLowerCase(Locale.ROOT),
                a.summary(), a.labels(), a.values(), a.activeSince(), a.firedAt(), fired ? a.lastNotifiedAt() : null,
                fired ? a.notifications() : null, a.resolvedAt());
    }
}
