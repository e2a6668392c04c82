package dev.lifeboat.alert;

import dev.lifeboat.alert.Outbox.Delivery;
import dev.lifeboat.runtime.Backoff;
import dev.lifeboat.runtime.FailureLog;
import dev.lifeboat.runtime.Human;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * Sends what the outbox holds. Each sink's deliveries go out strictly in order: while the oldest one waits for its
 * retry, the sink's later ones wait too, so a resolve never reaches PagerDuty before its trigger. Network errors,
 * timeouts, 408, 425, 429 and 5xx are retried with {@link Backoff}; other answers (4xx, 3xx) are permanent and the
 * delivery moves to the outbox's {@code failed/}, shown in status. Uses the JDK HttpClient (no extra dependency,
 * works in a native image); redirects are not followed, since a moved webhook is a configuration mistake to report.
 * A sink that keeps failing is logged at its first failed attempt, then once a minute, and when it delivers again;
 * each notification given up is logged on its own.
 */
final class Deliverer {
    private static final Logger LOG = Logger.getLogger(Deliverer.class);
    private static final int MAX_RESPONSE_IN_ERROR = 200;

    /** Told about each attempt's outcome (metrics). */
    interface Listener {
        void attempted(String sink, Outcome outcome);
    }

    enum Outcome { DELIVERED, RETRY, FAILED }

    private final Outbox outbox;
    private final Map<String, Sink> sinks;
    // Made on first use: building an HttpClient loads the TLS stack and the CA certificates (some 300 classes and
    // megabytes of heap) and starts a selector thread, which an agent with no sink and no heartbeat never needs.
    private HttpClient http;
    private final Clock clock;
    private final RandomGenerator random;
    private final Backoff backoff;
    private final int maxAttempts;
    private final Duration timeout;
    private final Listener listener;
    private final Map<String, FailureLog> sinkFailures = new ConcurrentHashMap<>();

    Deliverer(Outbox outbox, Map<String, Sink> sinks, Clock clock, RandomGenerator random, Backoff backoff, int maxAttempts,
              Duration timeout, Listener listener) {
        this.outbox = outbox;
        this.sinks = Map.copyOf(sinks);
        this.clock = clock;
        this.random = random;
        this.backoff = backoff;
        this.maxAttempts = maxAttempts;
        this.timeout = timeout;
        this.listener = listener;
    }

    /** Attempts every delivery that is due now, in order per sink; returns how many attempts were made. */
    synchronized int deliverDue() {
        Instant now = clock.instant();
        Set<String> waiting = new HashSet<>();
        int attempts = 0;
        for (Delivery d : outbox.pending()) {
            if (waiting.contains(d.sink())) {
                continue;
            }
            Sink sink = sinks.get(d.sink());
            if (sink == null) {
                outbox.giveUp(d.failed(now, "sink '" + d.sink() + "' is no longer configured", d.attempts()));
                continue;
            }
            if (d.nextAttemptAt().isAfter(now)) {
                waiting.add(d.sink());
                continue;
            }
            attempts++;
            if (!attempt(sink, d, now)) {
                waiting.add(d.sink());
            }
        }
        return attempts;
    }

    /** One attempt; false when the sink should not be tried again this round. */
    private boolean attempt(Sink sink, Delivery d, Instant now) {
        Optional<SinkRequest> rendered = sink.render(d.notification(), now.getEpochSecond());
        if (rendered.isEmpty()) {
            outbox.delivered(d); // nothing to send for this sink (e.g. a job it does not watch)
            return true;
        }
        SinkRequest r = rendered.get();
        String error;
        boolean retryable;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(r.uri()).timeout(timeout)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(r.body()));
            r.headers().forEach(request::header);
            HttpResponse<String> response = http().send(request.build(), HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                outbox.delivered(d);
                listener.attempted(sink.name(), Outcome.DELIVERED);
                failures(sink).succeeded();
                return true;
            }
            retryable = status >= 500 || status == 408 || status == 425 || status == 429;
            String text = response.body() == null ? "" : response.body().strip();
            error = "HTTP " + status + " from " + sink.target()
                    + (text.isEmpty() ? "" : ": " + Payloads.truncate(text.replaceAll("\\s+", " "), MAX_RESPONSE_IN_ERROR));
        } catch (IOException e) {
            retryable = true;
            error = e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "") + " (" + sink.target() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        error = sink.scrub(error);
        int made = d.attempts() + 1;
        if (!retryable || made >= maxAttempts) {
            String why = retryable ? "gave up after " + made + " attempts; last: " + error : "permanent failure: " + error;
            outbox.giveUp(d.failed(now, why, made));
            listener.attempted(sink.name(), Outcome.FAILED);
            LOG.errorf("alert notification %s to sink %s not delivered: %s", d.notification().id(), sink.name(), why);
            return true;
        }
        Duration wait = backoff.delay(made, random);
        outbox.update(d.retry(now.plus(wait), error));
        listener.attempted(sink.name(), Outcome.RETRY);
        failures(sink).failed("notification " + d.notification().id() + " (attempt " + made + " of " + maxAttempts + ", retrying in "
                + Human.duration(wait) + "): " + error);
        return false;
    }

    private FailureLog failures(Sink sink) {
        return sinkFailures.computeIfAbsent(sink.name(), n -> new FailureLog(LOG, "alert sink " + n + ": delivery"));
    }

    /** The client every sink request goes through; the heartbeat shares it. Built on first use. */
    synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder()
                    .connectTimeout(timeout)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .version(HttpClient.Version.HTTP_1_1)
                    .build();
        }
        return http;
    }

    /** Releases the HTTP client's threads and connections, if it was ever built. */
    synchronized void close() {
        if (http != null) {
            http.close();
        }
    }
}
