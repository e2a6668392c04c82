package dev.lifeboat.alert;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code webhook}: Lifeboat's own JSON (version "1"), signed when the sink has a {@code secret}:
 * <pre>{@code
 * {"version":"1","id":"…","kind":"firing","status":"firing","repeat":false,"createdAt":"…",
 *  "alert":{"key":"backup-stale/app","rule":"backup-stale","subject":"app","severity":"critical","summary":"…",
 *           "labels":{…},"values":{…},"startsAt":"…","endsAt":null}}
 * }</pre>
 * The body stays the same across retries; the timestamp and signature headers are made per attempt.
 */
final class WebhookFormat implements SinkFormat {
    @Override
    public Optional<SinkRequest> render(Sink sink, Notification n, long epochSeconds) {
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("key", n.alertKey());
        alert.put("rule", n.rule());
        alert.put("subject", n.subject());
        alert.put("severity", n.severity().id());
        alert.put("summary", n.summary());
        alert.put("labels", n.labels());
        alert.put("values", n.values());
        alert.put("startsAt", Payloads.iso(n.startsAt()));
        alert.put("endsAt", Payloads.iso(n.endsAt()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", "1");
        body.put("id", n.id());
        body.put("kind", n.kind().name().toLowerCase(java.util.Locale.ROOT));
        body.put("status", n.kind().resolved() ? "resolved" : "firing");
        body.put("repeat", n.repeat());
        body.put("createdAt", Payloads.iso(n.createdAt()));
        body.put("alert", alert);
        byte[] bytes = Payloads.json(body);
        Map<String, String> headers = Payloads.jsonHeaders();
        headers.put(Signer.DELIVERY_HEADER, n.id());
        headers.put(Signer.TIMESTAMP_HEADER, Long.toString(epochSeconds));
        if (sink.secret() != null) {
            headers.put(Signer.SIGNATURE_HEADER, Signer.sign(sink.secret(), epochSeconds, bytes));
        }
        return Optional.of(new SinkRequest(URI.create(sink.url()), headers, bytes));
    }
}
