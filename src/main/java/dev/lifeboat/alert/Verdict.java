package dev.lifeboat.alert;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The one answer to "is my data safe right now?", shared by status, readiness, the page and the heartbeat: derived
 * from the alerts that are pending or firing now. Any of severity {@code critical} makes it {@link Status#FAILING},
 * else any {@code warning} makes it {@link Status#DEGRADED}; {@code info} alerts never change it. Pending alerts count
 * ({@code alerts.for} only delays the notification, not the truth), and severities are the effective ones
 * ({@code alerts.severity} overrides apply).
 *
 * @param reasons every pending or firing alert that sets the status, critical first
 */
public record Verdict(Status status, List<Reason> reasons) {
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "VerdictStatus", description = "ok, degraded or failing")
    public enum Status {
        OK, DEGRADED, FAILING;

        /** {@code ok}, {@code degraded}, {@code failing}: as written in status. */
        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One alert behind the status.
     *
     * @param severity {@code critical} (makes the verdict failing) or {@code warning} (degraded)
     * @param since    when its condition started to hold; absent when the alert states are unknown
     */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "Reason")
    public record Reason(String rule, String subject, String severity, String summary,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Instant since) {
    }

    public Verdict {
        reasons = List.copyOf(reasons);
    }

    /** The verdict of these alert states. */
    public static Verdict of(Collection<AlertState> alerts) {
        List<AlertState> active = alerts.stream()
                .filter(a -> a.status() != AlertState.Status.RESOLVED && a.severity().atLeast(Severity.WARNING))
                .sorted(Comparator.comparing(AlertState::severity).reversed().thenComparing(AlertState::key))
                .toList();
        Status status = active.isEmpty() ? Status.OK
                : active.getFirst().severity() == Severity.CRITICAL ? Status.FAILING : Status.DEGRADED;
        return new Verdict(status, active.stream()
                .map(a -> new Reason(a.rule(), a.subject(), a.severity().id(), a.summary(), a.activeSince())).toList());
    }

    /** Failing because the alert states themselves are not known (no valid configuration, alerting cannot start). */
    static Verdict unknown(String rule, String subject, String summary) {
        return new Verdict(Status.FAILING, List.of(new Reason(rule, subject, Severity.CRITICAL.id(), summary, null)));
    }

    public boolean failing() {
        return status == Status.FAILING;
    }
}
