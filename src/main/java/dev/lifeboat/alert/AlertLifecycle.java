package dev.lifeboat.alert;

import dev.lifeboat.alert.AlertState.Status;
import dev.lifeboat.runtime.Human;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The alert lifecycle as a pure function: states + current conditions + time → new states + events.
 * Per dedup key (rule/subject): a firing condition is PENDING until it has held for {@code for}, then FIRING with one
 * {@link Event.Kind#FIRING} event, one {@link Event.Kind#REPEAT} each {@code repeat-interval} while it keeps firing,
 * and exactly one {@link Event.Kind#RESOLVED} when it clears. A steady failure is one notification plus repeats.
 *
 * <p>A condition that is not reported at all is <em>unknown</em> (a check that has not run yet since a restart, a
 * source that failed): the alert stays as it is. Only after {@link #UNREPORTED_RESOLVES_AFTER} without any report
 * (its subject was removed from the configuration) does an alert resolve for that reason.
 */
public final class AlertLifecycle {
    /** How long an alert may go unreported before it is resolved as gone. */
    public static final Duration UNREPORTED_RESOLVES_AFTER = Duration.ofMinutes(15);
    private final Duration pendingFor;
    private final Duration repeatInterval;
    private final Duration keepResolved;
    private final Function<Condition, Severity> severity;

    /** @param severity the effective severity of a condition (configuration overrides applied) */
    public AlertLifecycle(Duration pendingFor, Duration repeatInterval, Duration keepResolved, Function<Condition, Severity> severity) {
        this.pendingFor = pendingFor;
        this.repeatInterval = repeatInterval;
        this.keepResolved = keepResolved;
        this.severity = severity;
    }

    /** Something to notify about. */
    public record Event(Kind kind, AlertState alert) {
        public enum Kind { FIRING, REPEAT, RESOLVED }
    }

    /** The outcome of one evaluation. */
    public record Step(Map<String, AlertState> states, List<Event> events) {
    }

    /**
     * @param complete false when some source failed this round: no alert is resolved for being unreported
     *                 (explicit {@code firing=false} conditions still resolve)
     */
    public Step step(Map<String, AlertState> previous, List<Condition> conditions, boolean complete, Instant now) {
        Map<String, Condition> byKey = new LinkedHashMap<>();
        for (Condition c : conditions) {
            // Two sources reporting the same key: firing wins, so one healthy report cannot hide a failure.
            byKey.merge(c.key(), c, (a, b) -> a.firing() ? a : b);
        }
        Map<String, AlertState> next = new TreeMap<>();
        List<Event> events = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(previous.keySet());
        keys.addAll(byKey.keySet());
        for (String key : keys) {
            AlertState state = previous.get(key);
            Condition c = byKey.get(key);
            AlertState updated;
            if (c != null && c.firing()) {
                updated = whileFiring(state, c, now, events);
            } else if (c != null) {
                updated = whileClear(state, c, now, events);
            } else if (complete && state != null && !Duration.between(state.reportedAt(), now).minus(UNREPORTED_RESOLVES_AFTER).isNegative()) {
                updated = whileClear(state.withSummary("no longer reported for " + Human.duration(UNREPORTED_RESOLVES_AFTER)
                        + " (its subject may have been removed from the configuration); last: " + state.summary()), null, now, events);
            } else {
                updated = state;
            }
            if (updated != null && !(updated.status() == Status.RESOLVED && !now.isBefore(updated.resolvedAt().plus(keepResolved)))) {
                next.put(key, updated);
            }
        }
        return new Step(next, events);
    }

    private AlertState whileFiring(AlertState state, Condition c, Instant now, List<Event> events) {
        Severity effective = severity.apply(c);
        if (state == null || state.status() == Status.RESOLVED) {
            state = new AlertState(c.rule(), c.subject(), effective, Status.PENDING, c.summary(), c.labels(), c.values(),
                    now, null, null, null, 0, now);
        } else {
            state = state.observed(c, effective, now);
        }
        if (state.status() == Status.PENDING) {
            if (Duration.between(state.activeSince(), now).compareTo(pendingFor) >= 0) {
                state = state.withStatus(Status.FIRING, now, now, null, 1);
                events.add(new Event(Event.Kind.FIRING, state));
            }
        } else if (Duration.between(state.lastNotifiedAt(), now).compareTo(repeatInterval) >= 0) {
            state = state.withStatus(Status.FIRING, state.firedAt(), now, null, state.notifications() + 1);
            events.add(new Event(Event.Kind.REPEAT, state));
        }
        return state;
    }

    private AlertState whileClear(AlertState state, Condition c, Instant now, List<Event> events) {
        if (state == null || state.status() == Status.PENDING) {
            return null;
        }
        if (state.status() == Status.FIRING) {
            if (c != null) {
                state = state.observed(c, state.severity(), now); // the resolved notice says how things are now
            }
            state = state.withStatus(Status.RESOLVED, state.firedAt(), state.lastNotifiedAt(), now, state.notifications());
            events.add(new Event(Event.Kind.RESOLVED, state));
        }
        return state;
    }
}
