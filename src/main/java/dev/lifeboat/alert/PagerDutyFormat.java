package dev.lifeboat.alert;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code pagerduty}: Events API v2. Firing → {@code event_action: trigger} with a payload (summary ≤ 1024 chars,
 * source, severity, timestamp, component, group, class, custom_details); resolved → {@code event_action: resolve}.
 * Both carry the same {@code dedup_key} ({@code lifeboat/<app>/<rule>/<subject>}), so repeats update one incident and
 * the resolve closes it. The routing key is the sink's {@code secret}.
 */
final class PagerDutyFormat implements SinkFormat {
    static final int MAX_SUMMARY = 1024;
    static final int MAX_DEDUP_KEY = 255;

    @Override
    public Optional<SinkRequest> render(Sink sink, Notification n, long epochSeconds) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("routing_key", sink.secret());
        body.put("event_action", n.kind().resolved() ? "resolve" : "trigger");
        body.put("dedup_key", dedupKey(n));
        if (!n.kind().resolved()) {
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("summary", Payloads.truncate(n.kind().isTest() ? Payloads.title(n) + ": " + n.summary()
                    : n.rule() + " " + n.subject() + ": " + n.summary(), MAX_SUMMARY));
            payload.put("source", source(n));
            payload.put("severity", n.severity().id());
            payload.put("timestamp", Payloads.iso(n.startsAt()));
            payload.put("component", n.subject());
            payload.put("group", n.labels().getOrDefault("app", "lifeboat"));
            payload.put("class", n.rule());
            Map<String, Object> details = new TreeMap<>(n.values());
            n.labels().forEach((k, v) -> details.put("label." + k, v));
            payload.put("custom_details", details);
            body.put("payload", payload);
            body.put("client", "Lifeboat");
        }
        return Optional.of(new SinkRequest(URI.create(sink.url()), Payloads.jsonHeaders(), Payloads.json(body)));
    }

    static String dedupKey(Notification n) {
        String key = "lifeboat/" + n.labels().getOrDefault("app", "local") + "/" + n.rule() + "/" + n.subject();
        return key.length() <= MAX_DEDUP_KEY ? key : key.substring(0, MAX_DEDUP_KEY);
    }

    /** The machine (or app) the alert comes from: PagerDuty's "unique location of the affected system". */
    static String source(Notification n) {
        String machine = n.labels().get("machine");
        String app = n.labels().get("app");
        if (machine != null && app != null) {
            return app + "/" + machine;
        }
        return app != null ? app : machine != null ? machine : "lifeboat";
    }
}
