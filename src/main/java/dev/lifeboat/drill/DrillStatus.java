package dev.lifeboat.drill;

import dev.lifeboat.api.StatusContributor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adds {@code drill} to each database's entry of {@code GET /api/v1/status}: the next scheduled run, a running
 * drill, the last drill (outcome, backup, RTO, RPO, error) and the last pass. Records hold no secrets: errors are
 * built from redacted URLs and the scratch location is a database name or a path.
 */
@ApplicationScoped
public class DrillStatus implements StatusContributor {
    @Inject
    DrillService drills;

    @Inject
    DrillScheduler scheduler;

    @Override
    public void describeDatabase(String name, Map<String, Object> entry) {
        Map<String, Object> d = new LinkedHashMap<>();
        scheduler.nextRun(name).ifPresent(t -> d.put("nextRunAt", t.toString()));
        drills.runningSince(name).ifPresent(t -> d.put("runningSince", t.toString()));
        drills.state(name).ifPresent(s -> {
            if (s.last() != null) {
                d.put("last", summary(s.last()));
            }
            d.put("lastSuccessAt", s.lastPassed() == null ? null : s.lastPassed().finishedAt().toString());
            d.put("consecutiveFailures", s.consecutiveFailures());
            d.put("failing", s.last() != null && !s.last().passed());
        });
        if (!d.isEmpty()) {
            entry.put("drill", d);
        }
    }

    static Map<String, Object> summary(DrillRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("outcome", r.outcome());
        m.put("trigger", r.trigger());
        m.put("backupId", r.backupId());
        m.put("backupTime", r.backupTime() == null ? null : r.backupTime().toString());
        m.put("startedAt", r.startedAt().toString());
        m.put("finishedAt", r.finishedAt().toString());
        m.put("restoreMillis", r.restoreMillis());
        m.put("durationMillis", r.durationMillis());
        m.put("rpoSeconds", r.rpoSeconds());
        m.put("storedBytes", r.storedBytes());
        if (r.error() != null) {
            m.put("error", r.error());
        }
        return m;
    }
}
