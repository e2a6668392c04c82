package dev.lifeboat.alert;

import java.time.Instant;
import java.util.List;

/** The {@code alerts} section of {@code GET /api/v1/status}: what is firing and whether notifications get out. */
public sealed interface AlertsStatus permits AlertsStatus.Running, AlertsStatus.Unavailable {
    /** Deliveries listed per outbox queue in the status (the alerts API lists more). */
    int LISTED = 10;

    /**
     * @param pending         alerts waiting for their {@code for} duration
     * @param lastEvaluatedAt the last evaluation of the rules, null before the first
     * @param sinks           number of configured sinks
     */
    record Running(List<AlertView> firing, long pending, Instant lastEvaluatedAt, int sinks, OutboxView outbox) implements AlertsStatus {
        static Running of(AlertRuntime r) {
            var states = r.alerter.states().values();
            return new Running(states.stream().filter(a -> a.status() == AlertState.Status.FIRING).map(AlertView::of).toList(),
                    states.stream().filter(a -> a.status() == AlertState.Status.PENDING).count(), r.alerter.lastEvaluatedAt(),
                    r.sinks.size(), OutboxView.of(r.outbox, LISTED));
        }
    }

    /** Alerting could not be set up (invalid configuration, unusable state directory); {@code error} says why. */
    record Unavailable(String error) implements AlertsStatus {
    }
}
