package dev.lifeboat.api;

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
 * {@code /q/health/ready}: up when the configuration is valid, every destination answered its last check and no
 * database's newest point was found damaged by the replica audit.
 * Destinations are checked in the background so that a slow store never makes the health endpoint slow.
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
        try {
            config.get();
        } catch (InvalidConfigException e) {
            return response.down().withData("config", "invalid: " + e.problems().size() + " problem(s), see /api/v1/status").build();
        }
        var checks = destinations.lastChecks();
        if (checks.isEmpty() && !config.get().destinations().isEmpty()) {
            checks = destinations.checkAll();
        }
        boolean up = true;
        for (var entry : checks.entrySet()) {
            var r = entry.getValue();
            response.withData("destination." + entry.getKey(), r.reachable() ? "reachable" : "unreachable: " + r.error());
            up &= r.reachable();
        }
        // A destination that answers but no longer holds a restorable newest point is not ready either.
        for (var damaged : audits.damaged().entrySet()) {
            response.withData("database." + damaged.getKey(), "not restorable: " + damaged.getValue().summary());
            up = false;
        }
        return response.status(up).build();
    }
}
