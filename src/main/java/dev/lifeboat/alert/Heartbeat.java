package dev.lifeboat.alert;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.config.AlertsConfig;
import dev.lifeboat.runtime.FailureLog;
import dev.lifeboat.runtime.Human;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The dead man's switch ({@code alerts.heartbeat}): an HTTP GET of an outside check's URL (healthchecks.io, Better
 * Stack, Cronitor) every {@code interval}, sent only while the {@link Verdict} is not failing and the rules were
 * evaluated recently. The outside service alerts when the pings stop, so whoever watches it hears about an agent that
 * died, hangs (the pings share the evaluation thread) or sees a failure it cannot itself report. Litestream's
 * health-gated {@code heartbeat-url} is the model. The URL is a credential: status shows its origin only and errors
 * are scrubbed of it.
 */
final class Heartbeat {
    private static final Logger LOG = Logger.getLogger(Heartbeat.class);
    /** Rules not evaluated for this many evaluate-intervals mean a blind agent: no ping. */
    static final int STALE_EVALUATIONS = 3;

    /**
     * The {@code heartbeat} entry of the {@code alerts} status section.
     *
     * @param target      scheme://host/*** of the ping URL
     * @param interval    between two pings, ISO-8601
     * @param lastPingAt  the last ping sent (answered or not), absent before the first
     * @param lastPingOk  whether it was answered with 2xx
     * @param lastError   why it failed (the URL removed)
     * @param pausedSince when pings stopped because the verdict is failing or the rules went unevaluated
     * @param paused      why they stopped
     */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "HeartbeatStatus")
    public record Status(String target, String interval, @JsonInclude(JsonInclude.Include.NON_NULL) Instant lastPingAt,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Boolean lastPingOk,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String lastError,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Instant pausedSince,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String paused) {
    }

    private final Sink endpoint;
    private final Duration interval;
    private final Duration maxEvaluationAge;
    private final Duration timeout;
    private final Clock clock;
    private final Supplier<HttpClient> http;
    private Instant lastPingAt;
    private Boolean lastPingOk;
    private String lastError;
    private Instant pausedSince;
    private String paused;
    private boolean pauseLogged;
    private final FailureLog pings = new FailureLog(LOG, "heartbeat ping");

    /** {@code http} gives the sinks' client (the deliverer's, built on first use): one client, one selector thread, for every outgoing request. */
    Heartbeat(AlertsConfig.HeartbeatConfig config, Duration evaluateInterval, Duration timeout, Clock clock, Supplier<HttpClient> http) {
        // a Sink only for its redaction of the URL (target, scrub); it never renders or sends notifications
        this.endpoint = new Sink("heartbeat", "heartbeat", config.url().orElseThrow(), null, Severity.CRITICAL, List.of(), Map.of());
        this.interval = config.interval();
        this.maxEvaluationAge = evaluateInterval.multipliedBy(STALE_EVALUATIONS).plus(interval);
        this.timeout = timeout.compareTo(interval) < 0 ? timeout : interval;
        this.clock = clock;
        this.http = http;
    }

    /**
     * Pings when one is due and the verdict allows it; returns whether it pinged.
     *
     * @param lastEvaluatedAt the rules' last evaluation (null before the first)
     */
    synchronized boolean tick(Verdict verdict, Instant lastEvaluatedAt) {
        Instant now = clock.instant();
        String hold = verdict.failing() ? "the verdict is failing: " + reasons(verdict)
                : lastEvaluatedAt == null ? "the alert rules have not been evaluated yet"
                : Duration.between(lastEvaluatedAt, now).compareTo(maxEvaluationAge) > 0
                ? "the alert rules were last evaluated at " + lastEvaluatedAt + " (more than " + Human.duration(maxEvaluationAge) + " ago)"
                : null;
        if (hold != null) {
            pausedSince = pausedSince == null ? now : pausedSince;
            if (!pauseLogged && lastEvaluatedAt != null) {
                LOG.warnf("heartbeat paused (the check at %s alerts when the pings stop): %s", endpoint.target(), hold);
                pauseLogged = true;
            }
            paused = hold;
            return false;
        }
        if (pauseLogged) {
            LOG.infof("heartbeat resumed after %s", Human.duration(Duration.between(pausedSince, now)));
        }
        pauseLogged = false;
        pausedSince = null;
        paused = null;
        if (lastPingAt != null && Duration.between(lastPingAt, now).compareTo(interval) < 0) {
            return false;
        }
        lastPingAt = now;
        String error = ping();
        lastPingOk = error == null;
        lastError = error;
        if (error == null) {
            pings.succeeded();
        } else {
            pings.failed(error);
        }
        return true;
    }

    /** One GET; the error (free of the URL) or null when answered 2xx. */
    private String ping() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint.url())).timeout(timeout)
                    .header("User-Agent", "lifeboat-heartbeat").GET().build();
            HttpResponse<Void> response = http.get().send(request, HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            return status >= 200 && status < 300 ? null : endpoint.scrub("HTTP " + status + " from " + endpoint.target());
        } catch (IOException | IllegalArgumentException e) {
            return endpoint.scrub(e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "") + " (" + endpoint.target() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static String reasons(Verdict verdict) {
        return String.join(", ", verdict.reasons().stream().filter(r -> r.severity().equals(Severity.CRITICAL.id()))
                .map(r -> r.rule() + "/" + r.subject()).toList());
    }

    synchronized Status status() {
        return new Status(endpoint.target(), interval.toString(), lastPingAt, lastPingOk, lastError, pausedSince, paused);
    }
}
