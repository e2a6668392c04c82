package dev.lifeboat.alert;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.Map;

/**
 * Where one alert (one rule and subject) stands in its lifecycle; persisted in the state file so a restart neither
 * re-fires nor forgets it.
 *
 * @param activeSince    when the condition started to hold (the alert's {@code startsAt})
 * @param firedAt        when it went from pending to firing (null while pending)
 * @param lastNotifiedAt when the last firing notification (first or repeat) was queued
 * @param resolvedAt     when it resolved (null unless {@link Status#RESOLVED})
 * @param notifications  firing notifications queued so far in this episode (1 = the first, then repeats)
 * @param lastReportedAt when a source last reported this alert's condition (firing or not); absence is "unknown"
 */
@RegisterForReflection(targets = {AlertState.Status.class, AlertState.class})
public record AlertState(String rule, String subject, Severity severity, Status status, String summary,
                         Map<String, String> labels, Map<String, String> values, Instant activeSince,
                         Instant firedAt, Instant lastNotifiedAt, Instant resolvedAt, int notifications,
                         Instant lastReportedAt) {

    /** Lifecycle states. A condition that clears while pending is dropped without any notification. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "AlertStatus")
    public enum Status { PENDING, FIRING, RESOLVED }

    public AlertState {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        values = values == null ? Map.of() : Map.copyOf(values);
    }

    public String key() {
        return Condition.key(rule, subject);
    }

    AlertState withStatus(Status s, Instant firedAt, Instant lastNotifiedAt, Instant resolvedAt, int notifications) {
        return new AlertState(rule, subject, severity, s, summary, labels, values, activeSince, firedAt, lastNotifiedAt, resolvedAt,
                notifications, lastReportedAt);
    }

    /** Same lifecycle position, with what the condition says {@code now}. */
    AlertState observed(Condition c, Severity effective, Instant now) {
        return new AlertState(rule, subject, effective, status, c.summary(), c.labels(), c.values(), activeSince, firedAt,
                lastNotifiedAt, resolvedAt, notifications, now);
    }

    /** Same alert with another summary (for the resolved notice of a condition nobody reports any more). */
    AlertState withSummary(String text) {
        return new AlertState(rule, subject, severity, status, text, labels, values, activeSince, firedAt, lastNotifiedAt,
                resolvedAt, notifications, lastReportedAt);
    }

    /** When the condition was last reported; states saved before this field existed count from {@link #activeSince}. */
    Instant reportedAt() {
        return lastReportedAt != null ? lastReportedAt : activeSince;
    }
}
