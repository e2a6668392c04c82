package dev.lifeboat.api;

import dev.lifeboat.alert.AlertService;
import dev.lifeboat.alert.Verdict;
import dev.lifeboat.audit.AuditService;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.InvalidConfigException;
import dev.lifeboat.store.Destinations;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready}: up unless the verdict is {@code failing} ({@link Verdict}: a critical alert is pending or
 * firing, or the configuration does not load), so readiness, {@code GET /api/v1/status}, the page and the alerts give
 * one answer from the same conditions. The response's data names the verdict, each reason
 * ({@code <rule>/<subject>}) and, for reference, each destination's last check and each damaged replica.
 * Destinations are checked in the background so that a slow store never makes the health endpoint slow; the verdict
 * follows a change at the next alert evaluation ({@code alerts.evaluate-interval}).
 */
@Readiness
@ApplicationScoped
public class HealthChecks implements HealthCheck {
    @Inject
    ActiveConfig config;

    @Inject
    Destinations destinations;

    @Inject
    AuditService audits;

    @Inject
    AlertService alerts;

    /** Refreshes destination reachability; the first check happens right after start-up. */
    @Scheduled(every = "${lifeboat.destination-check-interval:30s}", delay = 1, delayUnit = java.util.concurrent.TimeUnit.SECONDS,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        try {
            destinations.checkAll();
        } catch (InvalidConfigException e) {
            // reported by call() as a config problem
        }
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("lifeboat");
        Verdict verdict = alerts.verdict();
        response.withData("verdict", verdict.status().id());
        for (Verdict.Reason r : verdict.reasons()) {
            response.withData(r.rule() + "/" + r.subject(), r.severity() + ": " + r.summary());
        }
        try {
            config.get();
        } catch (InvalidConfigException e) {
            return response.down().withData("config", "invalid: " + e.problems().size() + " problem(s), see /api/v1/status").build();
        }
        destinations.lastChecks().forEach((name, r) ->
                response.withData("destination." + name, r.reachable() ? "reachable" : "unreachable: " + r.error()));
        audits.damaged().forEach((name, report) -> response.withData("database." + name, "not restorable: " + report.summary()));
        return response.status(!verdict.failing()).build();
    }
}
