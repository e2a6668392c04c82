package dev.lifeboat.alert;

import dev.lifeboat.alert.Outbox.Delivery;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON shapes of alerts and deliveries for the API and status; never secrets (summaries, labels and errors are scrubbed upstream). */
final class AlertViews {
    private AlertViews() {
    }

    static Map<String, Object> alert(AlertState a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", a.key());
        m.put("rule", a.rule());
        m.put("subject", a.subject());
        m.put("severity", a.severity().id());
        m.put("status", a.status().name().toLowerCase(java.util.Locale.ROOT));
        m.put("summary", a.summary());
        m.put("labels", a.labels());
        m.put("values", a.values());
        m.put("activeSince", String.valueOf(a.activeSince()));
        if (a.firedAt() != null) {
            m.put("firedAt", a.firedAt().toString());
            m.put("lastNotifiedAt", String.valueOf(a.lastNotifiedAt()));
            m.put("notifications", a.notifications());
        }
        if (a.resolvedAt() != null) {
            m.put("resolvedAt", a.resolvedAt().toString());
        }
        return m;
    }

    static Map<String, Object> delivery(Delivery d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("sink", d.sink());
        m.put("kind", d.notification().kind().name().toLowerCase(java.util.Locale.ROOT));
        m.put("alert", d.notification().kind().isJob() ? "job " + d.notification().job() : d.notification().alertKey());
        m.put("attempts", d.attempts());
        m.put("queuedAt", String.valueOf(d.createdAt()));
        if (d.failedAt() != null) {
            m.put("failedAt", d.failedAt().toString());
        } else {
            m.put("nextAttemptAt", String.valueOf(d.nextAttemptAt()));
        }
        if (d.lastError() != null) {
            m.put("error", d.lastError());
        }
        return m;
    }

    static Map<String, Object> outbox(Outbox outbox, int maxListed) {
        List<Delivery> pending = outbox.pending();
        List<Delivery> failed = outbox.failed();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pending", pending.size());
        m.put("failed", failed.size());
        m.put("pendingDeliveries", pending.stream().limit(maxListed).map(AlertViews::delivery).toList());
        m.put("failedDeliveries", failed.stream().limit(maxListed).map(AlertViews::delivery).toList());
        return m;
    }

    static Map<String, Object> sink(Sink s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", s.type());
        m.put("target", s.target());
        m.put("minSeverity", s.minSeverity().id());
        if (!s.rules().isEmpty()) {
            m.put("rules", s.rules());
        }
        m.put("signed", s.type().equals("webhook") && s.secret() != null);
        if (!s.jobs().isEmpty()) {
            m.put("jobs", s.jobs().keySet().stream().sorted().toList());
        }
        return m;
    }
}
