package dev.lifeboat.alert;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code alertmanager}: the body Prometheus Alertmanager's {@code webhook_config} sends (version "4"), so any
 * receiver written for Alertmanager understands Lifeboat. One alert per notification; {@code alertname} is the rule,
 * {@code endsAt} is {@code 0001-01-01T00:00:00Z} while firing, as Alertmanager writes it.
 */
final class AlertmanagerFormat implements SinkFormat {
    static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    @Override
    public Optional<SinkRequest> render(Sink sink, Notification n, long epochSeconds) {
        String status = n.kind().resolved() ? "resolved" : "firing";
        Map<String, String> labels = new TreeMap<>(n.labels());
        labels.put("alertname", n.rule());
        labels.put("subject", n.subject());
        labels.put("severity", n.severity().id());
        Map<String, String> annotations = new TreeMap<>();
        annotations.put("summary", n.summary());
        n.values().forEach(annotations::putIfAbsent);

        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("status", status);
        alert.put("labels", labels);
        alert.put("annotations", annotations);
        alert.put("startsAt", Payloads.iso(n.startsAt()));
        alert.put("endsAt", n.kind().resolved() && n.endsAt() != null ? Payloads.iso(n.endsAt()) : ZERO_TIME);
        alert.put("generatorURL", "");
        alert.put("fingerprint", fingerprint(labels));

        Map<String, String> groupLabels = new TreeMap<>(Map.of("alertname", n.rule()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", "4");
        body.put("groupKey", "{}:{alertname=\"" + n.rule() + "\", subject=\"" + n.subject() + "\"}");
        body.put("truncatedAlerts", 0);
        body.put("status", status);
        body.put("receiver", sink.name());
        body.put("groupLabels", groupLabels);
        body.put("commonLabels", labels);
        body.put("commonAnnotations", annotations);
        body.put("externalURL", "");
        body.put("alerts", List.of(alert));
        return Optional.of(new SinkRequest(URI.create(sink.url()), Payloads.jsonHeaders(), Payloads.json(body)));
    }

    /** 16 hex digits identifying the label set, stable across runs (Alertmanager's is a hash of the labels too). */
    static String fingerprint(Map<String, String> sortedLabels) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sortedLabels.forEach((k, v) -> sha.update((k + "\u0000" + v + "\u0000").getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
