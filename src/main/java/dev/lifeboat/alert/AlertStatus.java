package dev.lifeboat.alert;

import dev.lifeboat.api.StatusContributor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code alerts} section of {@code GET /api/v1/status}: what is firing and whether notifications get out. */
@ApplicationScoped
public class AlertStatus implements StatusContributor {
    static final int LISTED = 10;

    @Inject
    AlertService alerts;

    @Override
    public void describe(Map<String, Object> status) {
        Map<String, Object> section = new LinkedHashMap<>();
        try {
            AlertRuntime r = alerts.runtime();
            var states = r.alerter.states().values();
            section.put("firing", states.stream().filter(a -> a.status() == AlertState.Status.FIRING).map(AlertViews::alert).toList());
            section.put("pending", states.stream().filter(a -> a.status() == AlertState.Status.PENDING).count());
            section.put("lastEvaluatedAt", r.alerter.lastEvaluatedAt() == null ? null : r.alerter.lastEvaluatedAt().toString());
            section.put("sinks", r.sinks.size());
            section.put("outbox", AlertViews.outbox(r.outbox, LISTED));
        } catch (RuntimeException e) {
            section.put("error", "alerting is unavailable: " + e.getMessage());
        }
        status.put("alerts", section);
    }
}
