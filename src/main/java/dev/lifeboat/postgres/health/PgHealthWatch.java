package dev.lifeboat.postgres.health;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.HealthConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgBackupService;
import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.Backoff;
import dev.lifeboat.runtime.DaemonScheduler;
import dev.lifeboat.runtime.FailureLog;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Watches every {@code type: postgres} database whose {@code health.enabled} is on (the default): polls it every
 * {@code health.interval} with a {@link PgHealthProbe} that holds one connection, keeps the latest
 * {@link PgHealthReport} for status and the {@code pg-*} alert rules, and exposes metrics. One thread per database,
 * so a hung server stalls only its own watch.
 *
 * <p>Metrics (gauges, NaN while unknown), registered once per database and read through {@link #latest}, so they
 * follow whatever watch runs now: {@code lifeboat_pg_connections{database,state}} (state active, idle,
 * idle_in_transaction, other), {@code lifeboat_pg_connections_max{database}},
 * {@code lifeboat_pg_longest_transaction_seconds{database}} (0 when none is open),
 * {@code lifeboat_pg_slot_retained_bytes{database,slot}}, {@code lifeboat_pg_xid_age{database}} and
 * {@code lifeboat_pg_replication_lag_seconds/bytes{database,standby}} (a standby's own replay: {@code standby="self"}).
 */
@ApplicationScoped
public class PgHealthWatch {
    private static final Logger LOG = Logger.getLogger(PgHealthWatch.class);
    /** Longest any statement of a poll may run. */
    static final Duration MAX_STATEMENT_TIMEOUT = Duration.ofSeconds(5);
    /** The {@code standby} label of a standby's own replay lag. */
    static final String SELF = "self";

    @Inject
    MeterRegistry registry;

    @Inject
    PgBackupService backups;

    private final Map<String, PgHealthReport> latest = new ConcurrentHashMap<>();
    private final Map<String, FailureLog> failures = new ConcurrentHashMap<>();
    /** Databases whose server refuses the watch's connection for want of slots, with when to try again. */
    private final Map<String, Refused> refused = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final List<ScheduledExecutorService> executors = new ArrayList<>();
    private final List<PgHealthProbe> probes = new ArrayList<>();
    /** Bumped by {@link #stop}: a poll that finishes after it belongs to a stopped watch and is dropped. */
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

    void onAgentStarted(@Observes AgentStarted started) {
        start(started.config());
    }

    /** Starts watching the postgres databases of {@code config}; called again, it stops the previous watches first. */
    public synchronized void start(LifeboatConfig config) {
        stop();
        config.databases().forEach((name, db) -> {
            if (!watched(db)) {
                return;
            }
            HealthConfig h = db.health();
            Duration timeout = h.interval().compareTo(MAX_STATEMENT_TIMEOUT) < 0 ? h.interval() : MAX_STATEMENT_TIMEOUT;
            PgHealthProbe probe = new PgHealthProbe(name, PgUrl.parse(db.url().get()), timeout, h.showQueries(), h.slowQueryCalls());
            probes.add(probe);
            registerMetrics(name);
            ScheduledExecutorService executor = DaemonScheduler.named("lifeboat-pg-health-" + name);
            executors.add(executor);
            long current = generation.get();
            // A server out of connection slots is asked again after health.interval, doubling up to retry-max-backoff.
            Backoff backoff = new Backoff(h.interval(), h.interval().compareTo(db.retryMaxBackoff()) > 0 ? h.interval() : db.retryMaxBackoff());
            executor.scheduleWithFixedDelay(() -> poll(name, probe, backoff, current), 0, h.interval().toMillis(), TimeUnit.MILLISECONDS);
        });
        if (!probes.isEmpty()) {
            LOG.infof("watching the health of %d PostgreSQL database(s)", probes.size());
        }
    }

    /** The databases {@link #start} watches in {@code config}. */
    public static boolean watched(DatabaseConfig db) {
        return db.type() == DatabaseType.POSTGRES && db.health().enabled() && db.url().isPresent();
    }

    /**
     * The server refused the watch's connection with SQLSTATE 53300 (too many connections) {@code attempts} times in
     * a row since {@code since}; the next attempt waits until {@code retryAt}.
     */
    public record Refused(Instant since, int attempts, Instant retryAt, String error) {
    }

    /** Why {@code database}'s server refuses the watch's connections, while it does. */
    public Optional<Refused> refused(String database) {
        return Optional.ofNullable(refused.get(database));
    }

    private void poll(String name, PgHealthProbe probe, Backoff backoff, long started) {
        Refused before = refused.get(name);
        if (before != null && Instant.now().isBefore(before.retryAt())) {
            return; // backing off: no storm of attempts at a server that has no slot left
        }
        if (backups.state(name).running()) {
            // A backup holds two connections (its session and pg_dump's): the watch lets its own go meanwhile, so the
            // agent never holds more than two to the database. Status keeps the last figures, with their time.
            probe.close();
            return;
        }
        PgHealthReport report = probe.poll();
        if (report == null || generation.get() != started) {
            return;
        }
        if (!report.ok() && probe.refusedForTooManyConnections()) {
            int attempts = before == null ? 1 : before.attempts() + 1;
            Instant retryAt = Instant.now().plus(backoff.delay(attempts, ThreadLocalRandom.current()));
            refused.put(name, new Refused(before == null ? report.checkedAt() : before.since(), attempts, retryAt, report.error()));
        } else {
            refused.remove(name);
        }
        PgHealthReport previous = latest.put(name, report);
        FailureLog log = failures.computeIfAbsent(name, n -> new FailureLog(LOG, "postgres " + n + ": health poll"));
        if (report.ok()) {
            log.succeeded();
            if (report.permission() != null && (previous == null || !report.permission().equals(previous.permission()))) {
                LOG.warnf("postgres %s: %s", name, report.permission());
            }
            report.slots().forEach(s -> registerSlot(name, s.name()));
            report.standbys().forEach(s -> registerStandby(name, s.name()));
            if (report.recovery() != null) {
                registerStandby(name, SELF);
            }
        } else {
            log.failed(report.error());
        }
    }

    /** The latest report of every watched database, by name. */
    public Map<String, PgHealthReport> reports() {
        return Map.copyOf(latest);
    }

    /** The latest report of {@code database}, empty before its first poll or when it is not watched. */
    public Optional<PgHealthReport> report(String database) {
        return Optional.ofNullable(latest.get(database));
    }

    private void registerMetrics(String db) {
        if (!registered.add(db)) {
            return;
        }
        Tags tags = Tags.of("database", db);
        for (String state : List.of("active", "idle", "idle_in_transaction", "other")) {
            gauge("lifeboat_pg_connections", "Client connections to the server, by state", tags.and("state", state), db,
                    r -> r.connections() == null ? Double.NaN : switch (state) {
                        case "active" -> r.connections().active();
                        case "idle" -> r.connections().idle();
                        case "idle_in_transaction" -> r.connections().idleInTransaction();
                        default -> r.connections().other();
                    });
        }
        gauge("lifeboat_pg_connections_max", "The server's max_connections", tags, db,
                r -> r.connections() == null ? Double.NaN : r.connections().max());
        gauge("lifeboat_pg_longest_transaction_seconds", "Age of the oldest open transaction of a client backend (0 when none)", tags, db,
                r -> !r.seesAllSessions() ? Double.NaN : r.oldestTransaction() == null ? 0 : r.oldestTransaction().seconds());
        gauge("lifeboat_pg_xid_age", "Largest age(datfrozenxid) of the server's databases", tags, db,
                r -> r.xidAge() == null ? Double.NaN : r.xidAge().age());
    }

    private void registerSlot(String db, String slot) {
        if (!registered.add(db + "\u0000" + slot)) {
            return;
        }
        gauge("lifeboat_pg_slot_retained_bytes", "WAL a replication slot keeps on the server", Tags.of("database", db, "slot", slot), db,
                r -> r.slots() == null ? Double.NaN : r.slots().stream().filter(s -> s.name().equals(slot) && s.retainedBytes() != null)
                        .mapToDouble(PgHealthReport.Slot::retainedBytes).findFirst().orElse(Double.NaN));
    }

    /**
     * Replication lag by standby: on a primary, each standby's replay lag; on a standby, its own replay lag under
     * {@code standby="self"}.
     */
    private void registerStandby(String db, String standby) {
        if (!registered.add(db + "\u0001" + standby)) {
            return;
        }
        Tags tags = Tags.of("database", db, "standby", standby);
        gauge("lifeboat_pg_replication_lag_seconds", "How far replay on a standby is behind, in seconds", tags, db,
                r -> lag(r, standby, true));
        gauge("lifeboat_pg_replication_lag_bytes", "How far replay on a standby is behind, in WAL bytes", tags, db,
                r -> lag(r, standby, false));
    }

    private static double lag(PgHealthReport r, String standby, boolean seconds) {
        if (standby.equals(SELF)) {
            if (r.recovery() == null) {
                return Double.NaN;
            }
            Number n = seconds ? r.recovery().replayLagSeconds() : r.recovery().replayLagBytes();
            return n == null ? Double.NaN : n.doubleValue();
        }
        if (r.standbys() == null) {
            return Double.NaN;
        }
        return r.standbys().stream().filter(s -> s.name().equals(standby)).findFirst()
                .map(s -> seconds ? (s.replayLagSeconds() == null ? 0.0 : s.replayLagSeconds()) // null: caught up and idle
                        : (s.replayLagBytes() == null ? Double.NaN : s.replayLagBytes().doubleValue()))
                .orElse(Double.NaN);
    }

    private void gauge(String name, String help, Tags tags, String db, ToDoubleFunction<PgHealthReport> value) {
        Gauge.builder(name, latest, m -> {
            PgHealthReport r = m.get(db);
            return r == null ? Double.NaN : value.applyAsDouble(r);
        }).description(help).tags(tags).strongReference(true).register(registry);
    }

    /** Stops every watch and closes its connection; the latest reports stay until the next {@link #start}. */
    @PreDestroy
    public synchronized void stop() {
        generation.incrementAndGet();
        executors.forEach(ScheduledExecutorService::shutdownNow);
        executors.clear();
        probes.forEach(PgHealthProbe::close);
        probes.clear();
        latest.clear();
        refused.clear();
    }
}
