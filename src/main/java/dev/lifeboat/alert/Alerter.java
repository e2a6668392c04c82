package dev.lifeboat.alert;

import dev.lifeboat.alert.AlertLifecycle.Event;
import dev.lifeboat.alert.Notification.Kind;
import dev.lifeboat.runtime.FailureLog;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Evaluation: asks every {@link ConditionSource}, runs the {@link AlertLifecycle}, queues a notification in the
 * {@link Outbox} for each sink that takes it, then saves the new states (outbox first: a crash in between re-queues
 * the same notification id rather than losing it). A disk that refuses the writes stops none of it: the states stay
 * in memory, are saved again at the next round, and {@code alert-state-unwritable} says so.
 */
final class Alerter {
    private static final Logger LOG = Logger.getLogger(Alerter.class);

    private final AlertLifecycle lifecycle;
    private final AlertStateStore store;
    private final Outbox outbox;
    private final Map<String, Sink> sinks;
    private final Map<String, String> baseLabels;
    private final Clock clock;
    private final PersistenceHealth health;
    private Map<String, AlertState> states;
    /** A source that fails at every evaluation is logged once, then once a minute. */
    private final Map<String, FailureLog> sourceFailures = new ConcurrentHashMap<>();
    private Instant lastEvaluatedAt;
    private String lastSourceError;

    Alerter(AlertLifecycle lifecycle, AlertStateStore store, Outbox outbox, Map<String, Sink> sinks,
            Map<String, String> baseLabels, Clock clock, PersistenceHealth health) {
        this.health = health;
        this.lifecycle = lifecycle;
        this.store = store;
        this.outbox = outbox;
        this.sinks = Map.copyOf(sinks);
        this.baseLabels = Map.copyOf(baseLabels);
        this.clock = clock;
        this.states = store.load();
    }

    /** One evaluation round; returns the events it produced. */
    synchronized List<Event> evaluate(Iterable<? extends ConditionSource> sources) {
        Instant now = clock.instant();
        outbox.flush(); // what a full disk kept in memory is written as soon as it fits again
        List<Condition> conditions = new ArrayList<>();
        conditions.add(persistenceCondition());
        boolean complete = true;
        String sourceError = null;
        for (ConditionSource source : sources) {
            FailureLog failures = sourceFailures.computeIfAbsent(source.getClass().getSimpleName(),
                    n -> new FailureLog(LOG, "alert source " + n + ": conditions"));
            try {
                conditions.addAll(source.conditions(now));
                failures.succeeded();
            } catch (RuntimeException e) {
                complete = false;
                sourceError = source.getClass().getSimpleName() + ": " + e.getMessage();
                failures.failed(e + " (its alerts keep their state meanwhile)");
            }
        }
        AlertLifecycle.Step step = lifecycle.step(states, conditions, complete, now);
        for (Event e : step.events()) {
            Notification n = notification(e, now);
            for (Sink sink : sinks.values()) {
                if (sink.accepts(n)) {
                    outbox.add(sink.name(), n, now);
                }
            }
            LOG.infof("alert %s %s: %s", e.alert().key(), e.kind().name().toLowerCase(java.util.Locale.ROOT), e.alert().summary());
        }
        try {
            store.save(step.states(), now);
            health.written(PersistenceHealth.Target.STATE_FILE);
        } catch (IOException e) {
            health.failed(PersistenceHealth.Target.STATE_FILE, store.file(), e);
        }
        states = step.states();
        lastEvaluatedAt = now;
        lastSourceError = sourceError;
        return step.events();
    }

    /** {@code alert-state-unwritable} as of the last writes (this round's own writes count at the next). */
    private Condition persistenceCondition() {
        String stateDir = store.file().toAbsolutePath().getParent().toString();
        return health.failure()
                .map(f -> AlertStateUnwritableRule.evaluate(stateDir, f.error(), f.since()))
                .orElseGet(() -> AlertStateUnwritableRule.evaluate(stateDir, null, null));
    }

    private Notification notification(Event e, Instant now) {
        AlertState a = e.alert();
        Kind kind = e.kind() == Event.Kind.RESOLVED ? Kind.RESOLVED : Kind.FIRING;
        String id = stableId(a.key() + "|" + a.activeSince() + "|" + e.kind() + "|" + a.notifications());
        Map<String, String> labels = new LinkedHashMap<>(baseLabels);
        labels.putAll(a.labels());
        return new Notification(id, kind, now, a.rule(), a.subject(), a.severity(), a.summary(), labels, a.values(),
                a.activeSince(), a.resolvedAt(), e.kind() == Event.Kind.REPEAT, null, null);
    }

    /**
     * Queues a test notification for each named sink (all when empty), bypassing filters; returns what was queued.
     * healthchecks sinks get a {@code /log} ping per watched check; PagerDuty and Alertmanager get a resolve right
     * after the trigger so the test leaves no incident open.
     */
    synchronized List<Outbox.Delivery> queueTest(List<String> sinkNames) {
        Instant now = clock.instant();
        String testId = "test-" + UUID.randomUUID();
        Map<String, String> labels = new LinkedHashMap<>(baseLabels);
        String summary = "This is a test notification from Lifeboat (POST /api/v1/alerts/test). No action is needed.";
        List<Outbox.Delivery> ids = new ArrayList<>();
        for (Sink sink : sinks.values()) {
            if (!sinkNames.isEmpty() && !sinkNames.contains(sink.name())) {
                continue;
            }
            List<String> jobs = sink.type().equals("healthchecks") && !sink.jobs().isEmpty() ? List.copyOf(sink.jobs().keySet()) : java.util.Collections.singletonList(null);
            for (String job : jobs) {
                String suffix = job == null ? "" : "-" + stableId(job);
                Notification test = new Notification(testId + suffix, Kind.TEST, now, "test", testId, Severity.INFO, summary,
                        labels, Map.of(), now, null, false, job, null);
                ids.add(outbox.add(sink.name(), test, now));
            }
            Notification close = new Notification(testId + "-resolved", Kind.TEST_RESOLVED, now, "test", testId, Severity.INFO,
                    "Lifeboat test notification resolved.", labels, Map.of(), now, now, false, null, null);
            if (sink.accepts(close)) {
                ids.add(outbox.add(sink.name(), close, now));
            }
        }
        return ids;
    }

    /** Queues a job event for the healthchecks sinks that watch {@code job}. */
    synchronized void queueJob(Kind kind, String job, String runId, String message) {
        Instant now = clock.instant();
        Notification n = new Notification(stableId(job + "|" + runId + "|" + kind), kind, now, "job", job, Severity.INFO,
                message == null ? "" : message, baseLabels, Map.of(), now, null, false, job, runId);
        for (Sink sink : sinks.values()) {
            if (sink.accepts(n)) {
                outbox.add(sink.name(), n, now);
            }
        }
    }

    synchronized Map<String, AlertState> states() {
        return states;
    }

    synchronized Instant lastEvaluatedAt() {
        return lastEvaluatedAt;
    }

    synchronized String lastSourceError() {
        return lastSourceError;
    }

    static String stableId(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
