package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.InvalidConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.DaemonScheduler;
import dev.lifeboat.runtime.FailureLog;
import dev.lifeboat.runtime.FlyEnvironment;
import dev.lifeboat.runtime.Human;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs alerting inside the agent: evaluates every {@link ConditionSource} each {@code alerts.evaluate-interval},
 * delivers the outbox every second, and exposes state to the API, status and metrics. Built lazily from the
 * active configuration (so the HTTP API works before the agent starts) and rebuilt if a new one is installed.
 */
@ApplicationScoped
public class AlertService {
    private static final Logger LOG = Logger.getLogger(AlertService.class);
    static final long DELIVERY_TICK_MILLIS = 1000;
    /** The verdict's reason when alerting itself cannot run. */
    static final String UNAVAILABLE = "alerting-unavailable";

    @Inject
    ActiveConfig active;

    @Inject
    Instance<ConditionSource> sources;

    @Inject
    MeterRegistry registry;

    private final Clock clock = Clock.systemUTC();
    private LifeboatConfig builtFor;
    private AlertRuntime runtime;
    private ScheduledExecutorService scheduler;
    private boolean metricsRegistered;
    /** Evaluation and delivery run every few seconds: a lasting failure is logged once, then once a minute. */
    private final FailureLog evaluationFailures = new FailureLog(LOG, "alerts: evaluation");
    private final FailureLog deliveryFailures = new FailureLog(LOG, "alerts: delivery");
    private final FailureLog heartbeatFailures = new FailureLog(LOG, "alerts: heartbeat");

    /** Starts evaluation and delivery once the agent's configuration is valid and installed. */
    void onAgentStarted(@Observes AgentStarted started) {
        start();
    }

    synchronized void start() {
        if (scheduler != null) {
            return;
        }
        AlertRuntime r = runtime();
        scheduler = DaemonScheduler.named("lifeboat-alerts");
        long every = Math.max(1000, r.config.evaluateInterval().toMillis());
        scheduler.scheduleWithFixedDelay(this::evaluateQuietly, 0, every, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::deliverQuietly, DELIVERY_TICK_MILLIS, DELIVERY_TICK_MILLIS, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::heartbeatQuietly, DELIVERY_TICK_MILLIS, DELIVERY_TICK_MILLIS, TimeUnit.MILLISECONDS);
        LOG.infof("alerting started: %d sink(s), evaluating every %s, state in %s%s", r.sinks.size(), Human.duration(r.config.evaluateInterval()),
                r.stateDir, r.heartbeat == null ? "" : ", heartbeat to " + r.heartbeat.status().target() + " every " + Human.duration(r.config.heartbeat().orElseThrow().interval()));
    }

    /** The {@code alerts} section of the status API; never throws. */
    public AlertsStatus status() {
        try {
            return AlertsStatus.Running.of(runtime());
        } catch (RuntimeException e) {
            return new AlertsStatus.Unavailable("alerting is unavailable: " + e.getMessage());
        }
    }

    /** The machinery for the active configuration, built on first use. */
    synchronized AlertRuntime runtime() {
        LifeboatConfig config = active.get();
        if (runtime == null || builtFor != config) {
            if (runtime != null) {
                runtime.close();
            }
            runtime = AlertRuntime.create(config.alerts(), clock, new SecureRandom(), FlyEnvironment.labels(), this::count);
            builtFor = config;
            registerMetrics();
        }
        return runtime;
    }

    /**
     * The verdict (ok / degraded / failing) of the alerts pending or firing now. Failing, with the reason, when they
     * cannot be known: no valid configuration, or alerting cannot start.
     */
    public Verdict verdict() {
        try {
            return runtime().verdict();
        } catch (InvalidConfigException e) {
            return Verdict.unknown(ConfigInvalidRule.ID, ConfigInvalidRule.SUBJECT, active.path() + " is invalid (" + e.problems().size()
                    + " problem(s), listed under config): nothing is backed up, replicated or checked until it loads");
        } catch (RuntimeException e) {
            return Verdict.unknown(UNAVAILABLE, "alerts", "alerting is unavailable, so nothing is watched: " + e.getMessage());
        }
    }

    /** One evaluation now (the scheduler's job; tests and the API may call it too). A disk that refuses writes fails nothing. */
    public List<AlertLifecycle.Event> evaluate() {
        List<AlertLifecycle.Event> events = runtime().alerter.evaluate(sources);
        for (AlertLifecycle.Event e : events) {
            Counter.builder("lifeboat_alert_notifications").description("Alert notifications produced, by rule and kind")
                    .tag("rule", e.alert().rule()).tag("kind", e.kind().name().toLowerCase(Locale.ROOT)).register(registry).increment();
        }
        return events;
    }

    /** Delivers whatever is due now. */
    public int deliver() {
        return runtime().deliverer.deliverDue();
    }

    /** Pings the heartbeat when one is due and the verdict allows it (on the evaluation thread: a hung agent stops it). */
    void heartbeat() {
        AlertRuntime r = runtime();
        if (r.heartbeat != null) {
            r.heartbeat.tick(r.verdict(), r.alerter.lastEvaluatedAt());
        }
    }

    private void heartbeatQuietly() {
        try {
            heartbeat();
            heartbeatFailures.succeeded();
        } catch (RuntimeException e) {
            heartbeatFailures.failed(e.toString());
        }
    }

    private void evaluateQuietly() {
        try {
            evaluate();
            evaluationFailures.succeeded();
        } catch (RuntimeException e) {
            evaluationFailures.failed(e.toString());
        }
    }

    private void deliverQuietly() {
        try {
            deliver();
            deliveryFailures.succeeded();
        } catch (RuntimeException e) {
            deliveryFailures.failed(e.toString());
        }
    }

    /** Whether the background thread delivers; when not (short CLI commands), callers deliver themselves. */
    synchronized boolean running() {
        return scheduler != null;
    }

    private void count(String sink, Deliverer.Outcome outcome) {
        Counter.builder("lifeboat_alert_deliveries").description("Notification delivery attempts, by sink and outcome")
                .tag("sink", sink).tag("outcome", outcome.name().toLowerCase(Locale.ROOT)).register(registry).increment();
    }

    private void registerMetrics() {
        if (metricsRegistered) {
            return;
        }
        metricsRegistered = true;
        for (AlertState.Status s : AlertState.Status.values()) {
            Gauge.builder("lifeboat_alerts", this, svc -> svc.countState(s)).description("Alerts by lifecycle state")
                    .tag("state", s.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        Gauge.builder("lifeboat_alert_outbox", this, svc -> svc.runtimeOrNull() == null ? 0 : svc.runtimeOrNull().outbox.pending().size())
                .description("Notifications waiting for delivery").tag("state", "pending").register(registry);
        Gauge.builder("lifeboat_alert_outbox", this, svc -> svc.runtimeOrNull() == null ? 0 : svc.runtimeOrNull().outbox.failed().size())
                .description("Notifications given up (kept for inspection)").tag("state", "failed").register(registry);
    }

    private synchronized AlertRuntime runtimeOrNull() {
        return runtime;
    }

    private double countState(AlertState.Status s) {
        AlertRuntime r = runtimeOrNull();
        return r == null ? 0 : r.alerter.states().values().stream().filter(a -> a.status() == s).count();
    }

    @PreDestroy
    synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }
}
