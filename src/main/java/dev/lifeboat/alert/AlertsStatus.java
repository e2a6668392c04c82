package dev.lifeboat.alert;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;

/** The {@code alerts} section of {@code GET /api/v1/status}: what is firing and whether notifications get out. */
@org.eclipse.microprofile.openapi.annotations.media.Schema(oneOf = {AlertsStatus.Running.class, AlertsStatus.Unavailable.class})
public sealed interface AlertsStatus permits AlertsStatus.Running, AlertsStatus.Unavailable {
    /** Deliveries listed per outbox queue in the status (the alerts API lists more). */
    int LISTED = 10;

    /**
     * @param pending         alerts waiting for their {@code for} duration
     * @param lastEvaluatedAt the last evaluation of the rules, null before the first
     * @param sinks           number of configured sinks
     * @param persistence     whether the alert state and the outbox reach the disk
     * @param heartbeat       the dead man's switch, absent when not configured
     */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "AlertsRunning")
    record Running(List<AlertView> firing, long pending, Instant lastEvaluatedAt, int sinks, OutboxView outbox,
                   Persistence persistence, @JsonInclude(JsonInclude.Include.NON_NULL) Heartbeat.Status heartbeat) implements AlertsStatus {
        static Running of(AlertRuntime r) {
            var states = r.alerter.states().values();
            return new Running(states.stream().filter(a -> a.status() == AlertState.Status.FIRING).map(AlertView::of).toList(),
                    states.stream().filter(a -> a.status() == AlertState.Status.PENDING).count(), r.alerter.lastEvaluatedAt(),
                    r.sinks.size(), OutboxView.of(r.outbox, LISTED), Persistence.of(r.persistence),
                    r.heartbeat == null ? null : r.heartbeat.status());
        }
    }

    /**
     * Whether alert state reaches the disk. While it does not ({@code ok: false}), alerts are evaluated and delivered
     * from memory, {@code alert-state-unwritable} fires, and a restart would lose what is not written.
     *
     * @param error the latest write failure, naming the path
     * @param since when writes started failing
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "AlertsPersistence")
    record Persistence(boolean ok, String error, Instant since) {
        static Persistence of(PersistenceHealth health) {
            return health.failure().map(f -> new Persistence(false, f.error(), f.since())).orElse(new Persistence(true, null, null));
        }
    }

    /** Alerting could not be set up (invalid configuration, unusable state directory); {@code error} says why. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "AlertsUnavailable")
    record Unavailable(String error) implements AlertsStatus {
    }
}
