package dev.lifeboat.alert;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.Map;

/**
 * One thing to tell the sinks, as stored in the outbox. Alert kinds carry {@link #rule} to {@link #endsAt}; job
 * kinds (for healthchecks sinks) carry {@link #job}, {@link #runId} and {@link #summary}.
 *
 * @param id        stable id: the same alert event always gets the same id, so re-queuing after a crash overwrites
 * @param repeat    a reminder of an alert already sent as firing
 * @param endsAt    when a resolved alert ended (null while firing)
 */
@RegisterForReflection(targets = {Notification.Kind.class, Notification.class})
public record Notification(String id, Kind kind, Instant createdAt, String rule, String subject, Severity severity,
                           String summary, Map<String, String> labels, Map<String, String> values, Instant startsAt,
                           Instant endsAt, boolean repeat, String job, String runId) {

    public enum Kind {
        /** An alert started firing, or a repeat of one ({@link #repeat}). */
        FIRING,
        /** A firing alert cleared. */
        RESOLVED,
        /** {@code POST /api/v1/alerts/test}: a firing-shaped test notification. */
        TEST,
        /** Closes a {@link #TEST} in sinks that keep incidents open (PagerDuty, Alertmanager receivers). */
        TEST_RESOLVED,
        /** healthchecks: a job started ({@code /start}). */
        JOB_STARTED,
        /** healthchecks: a job succeeded (the check's plain ping URL). */
        JOB_SUCCEEDED,
        /** healthchecks: a job failed ({@code /fail}). */
        JOB_FAILED;

        boolean isJob() {
            return this == JOB_STARTED || this == JOB_SUCCEEDED || this == JOB_FAILED;
        }

        boolean isTest() {
            return this == TEST || this == TEST_RESOLVED;
        }

        /** Whether the alert it carries is over. */
        boolean resolved() {
            return this == RESOLVED || this == TEST_RESOLVED;
        }
    }

    public Notification {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        values = values == null ? Map.of() : Map.copyOf(values);
    }

    /** The alert's dedup key (rule/subject); test notifications use {@code test/<id>}. */
    public String alertKey() {
        return Condition.key(rule, subject);
    }
}
