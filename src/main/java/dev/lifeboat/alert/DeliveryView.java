package dev.lifeboat.alert;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Locale;

/**
 * A notification in the outbox as the API and status show it; errors are scrubbed where they are made.
 *
 * @param kind          {@code firing}, {@code resolved}, {@code test}, a job event...
 * @param alert         the alert's key, or {@code job <name>} for a job event
 * @param failedAt      when delivery was given up, absent while it is retried
 * @param nextAttemptAt next try, absent once given up (or delivered)
 * @param error         the last attempt's error, absent when there was none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryView(String id, String sink, String kind, String alert, int attempts, Instant queuedAt, Instant failedAt,
                           Instant nextAttemptAt, String error) {

    static DeliveryView of(Outbox.Delivery d) {
        Notification n = d.notification();
        return new DeliveryView(d.id(), d.sink(), n.kind().name().toLowerCase(Locale.ROOT),
                n.kind().isJob() ? "job " + n.job() : n.alertKey(), d.attempts(), d.createdAt(), d.failedAt(),
                d.failedAt() != null ? null : d.nextAttemptAt(), d.lastError());
    }

    /** This delivery as delivered by the attempt just made: one more attempt, nothing left to retry. */
    DeliveryView delivered() {
        return new DeliveryView(id, sink, kind, alert, attempts + 1, queuedAt, failedAt, null, error);
    }
}
