package dev.lifeboat.audit;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.DaemonScheduler;
import dev.lifeboat.runtime.FailureLog;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The replica audit inside the agent: right after start-up and every {@code audit-interval} per database, asks the
 * database's {@link Auditor} what the destination proves, keeps the newest report (what status, the verdict,
 * readiness and {@code lifeboat_restorable_timestamp_seconds} show), and starts a repair when the newest point is
 * damaged. One thread for all databases: audits are a listing each.
 */
@ApplicationScoped
public class AuditService {
    private static final Logger LOG = Logger.getLogger(AuditService.class);
    /** After a repair started, the next audit comes this soon (a new snapshot takes seconds), not a whole interval later. */
    static final long RECHECK_AFTER_REPAIR_MILLIS = 5_000;

    @Inject
    Instance<Auditor> auditors;

    @Inject
    MeterRegistry registry;

    /** The newest result per database: a report, or why the destination could not be asked. */
    public record Latest(AuditReport report, String error, Instant errorAt) {
    }

    private final Map<String, Latest> latest = new ConcurrentHashMap<>();
    /** Log discipline per database: the destination not answering, and the replica found damaged. */
    private final Map<String, FailureLog> logs = new ConcurrentHashMap<>();
    private ScheduledExecutorService thread;
    private LifeboatConfig config;

    void onAgentStarted(@Observes AgentStarted started) {
        start(started.config());
    }

    synchronized void start(LifeboatConfig config) {
        if (thread != null) {
            return;
        }
        this.config = config;
        thread = DaemonScheduler.named("lifeboat-audit");
        config.databases().forEach((name, db) -> {
            if (auditor(db).isEmpty()) {
                return;
            }
            Gauge.builder("lifeboat_restorable_timestamp_seconds", this, svc -> svc.restorableEpochSeconds(name))
                    .description("Newest moment a restore can reach, as the destination proves it (Unix time; NaN when none)")
                    .tags(Tags.of("database", name)).register(registry);
            Gauge.builder("lifeboat_replica_problems", this, svc -> svc.problems(name))
                    .description("Missing or wrong objects the last audit found").tags(Tags.of("database", name)).register(registry);
            long every = db.auditInterval().toMillis();
            thread.scheduleWithFixedDelay(() -> auditAndRepair(name), 0, every, TimeUnit.MILLISECONDS);
        });
    }

    /** One audit of {@code name} now, with a repair when its newest point is damaged. */
    void auditAndRepair(String name) {
        DatabaseConfig db = config.databases().get(name);
        Auditor auditor = auditor(db).orElseThrow();
        FailureLog unreachable = logs.computeIfAbsent("audit of " + name, n -> new FailureLog(LOG, n));
        FailureLog damaged = logs.computeIfAbsent("replica of " + name, n -> new FailureLog(LOG, n));
        AuditReport report;
        try {
            report = auditor.audit(name, config, false);
            unreachable.succeeded();
        } catch (IOException | RuntimeException e) {
            unreachable.failed(e.getMessage());
            Latest before = latest.get(name);
            latest.put(name, new Latest(before == null ? null : before.report(), e.getMessage(), Instant.now()));
            return;
        }
        latest.put(name, new Latest(report, null, null));
        if (report.newest() == null || report.restorable()) {
            damaged.succeeded();
            return;
        }
        // Repairs are started at every audit while the damage lasts (a failed backup is retried), but logged like
        // any repeated failure: the first, then once a minute, then the recovery.
        String repair = auditor.repair(name, config, report);
        damaged.failed(report.summary() + (repair == null ? "; cannot repair here" : "; repairing: " + repair));
        if (repair != null) {
            thread.schedule(() -> auditAndRepair(name), RECHECK_AFTER_REPAIR_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** The newest audit result of every audited database. */
    public Map<String, Latest> latest() {
        return Map.copyOf(latest);
    }

    /** The {@code audit} entry of database {@code name} in the status API, once an audit ran. */
    public Optional<AuditStatus> status(String name) {
        Latest l = latest.get(name);
        return Optional.ofNullable(l == null ? null : AuditStatus.of(l, Instant.now()));
    }

    /** Databases whose newest point the last audit found damaged (a newest point exists but cannot be restored). */
    public Map<String, AuditReport> damaged() {
        Map<String, AuditReport> out = new java.util.TreeMap<>();
        latest.forEach((name, l) -> {
            if (l.report() != null && l.report().newest() != null && !l.report().restorable()) {
                out.put(name, l.report());
            }
        });
        return out;
    }

    /** The newest audit report of {@code name}, if one ran. */
    public Optional<AuditReport> report(String name) {
        Latest l = latest.get(name);
        return Optional.ofNullable(l == null ? null : l.report());
    }

    /** The auditor for {@code db}'s type, if any capability audits it. */
    public Optional<Auditor> auditor(DatabaseConfig db) {
        return auditors.stream().filter(a -> a.handles(db)).findFirst();
    }

    private double restorableEpochSeconds(String name) {
        return report(name).map(AuditReport::restorablePoint).map(t -> (double) t.getEpochSecond()).orElse(Double.NaN);
    }

    private double problems(String name) {
        return report(name).map(r -> (double) r.problems().size()).orElse(Double.NaN);
    }

    @PreDestroy
    synchronized void stop() {
        if (thread != null) {
            thread.shutdownNow();
            thread = null;
        }
    }
}
