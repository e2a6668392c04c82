package dev.lifeboat.pitr;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.runtime.AgentStarted;
import dev.lifeboat.runtime.DaemonScheduler;
import dev.lifeboat.store.Destinations;
import dev.lifeboat.stream.age.AgeKeys;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.ToDoubleFunction;

/**
 * Runs a {@link WalArchiver} for every {@code type: postgres} database with {@code pitr.enabled}, each on its own
 * daemon thread and its own replication connection, for as long as the agent runs.
 *
 * <p>Connections: the archiver's connection is a walsender ({@code replication=database}); it takes one of the
 * server's {@code max_wal_senders}, not one of {@code max_connections} (PostgreSQL 12+), so the agent's budget of two
 * client connections per server (health watch, backup session and pg_dump) is unchanged. A plain connection opens,
 * briefly, only when the server refuses the replication connection, to say why.
 *
 * <p>Metrics (gauges, NaN while unknown), registered once per database and read through the live archiver:
 * {@code lifeboat_pitr_archive_lag_seconds}, {@code lifeboat_pitr_archive_lag_bytes},
 * {@code lifeboat_pitr_slot_retained_bytes}, {@code lifeboat_pitr_last_upload_timestamp_seconds}.
 */
@ApplicationScoped
public class WalArchiveService {
    private static final Logger LOG = Logger.getLogger(WalArchiveService.class);

    @Inject
    Destinations destinations;

    @Inject
    MeterRegistry registry;

    private final Map<String, WalArchiver> archivers = new ConcurrentHashMap<>();
    private final Map<String, ExecutorService> threads = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    void onAgentStarted(@Observes AgentStarted started) {
        start(started.config());
    }

    /** The databases whose WAL the agent archives. */
    public static boolean archived(DatabaseConfig db) {
        return db.type() == DatabaseType.POSTGRES && db.pitr().enabled() && db.url().isPresent();
    }

    /** Starts archiving for {@code config}'s databases; called again, it stops the previous archivers first. */
    public synchronized void start(LifeboatConfig config) {
        stop();
        config.databases().forEach((name, db) -> {
            if (!archived(db)) {
                return;
            }
            try {
                WalArchive archive = new WalArchive(destinations.forDatabase(name), List.of());
                WalArchiver archiver = new WalArchiver(name, PgUrl.parse(db.url().get()), db.pitr().slot(), db.pitr().archiveTimeout(),
                        archive, db.compression(), AgeKeys.recipients(db));
                archivers.put(name, archiver);
                registerMetrics(name);
                ExecutorService thread = DaemonScheduler.named("lifeboat-wal-" + name);
                threads.put(name, thread);
                thread.execute(archiver);
            } catch (IOException | RuntimeException e) {
                LOG.errorf("cannot archive the WAL of %s: %s", name, e.getMessage());
            }
        });
        if (!archivers.isEmpty()) {
            LOG.infof("archiving the WAL of %d PostgreSQL database(s)", archivers.size());
        }
    }

    @PreDestroy
    public synchronized void stop() {
        archivers.values().forEach(WalArchiver::stop);
        threads.values().forEach(ExecutorService::shutdownNow);
        archivers.clear();
        threads.clear();
    }

    /** The archiver's status of {@code database}; empty when its WAL is not archived. */
    public Optional<WalArchiveStatus> status(String database) {
        WalArchiver a = archivers.get(database);
        return a == null ? Optional.empty() : Optional.of(a.status());
    }

    private void registerMetrics(String db) {
        if (!registered.add(db)) {
            return;
        }
        Tags tags = Tags.of("database", db);
        gauge("lifeboat_pitr_archive_lag_seconds", "How long WAL written by the server has waited to be archived (0 when caught up)", tags, db,
                s -> s.lagSeconds() == null ? Double.NaN : s.lagSeconds());
        gauge("lifeboat_pitr_archive_lag_bytes", "WAL bytes the server has written that are not archived yet", tags, db,
                s -> s.lagBytes() == null ? Double.NaN : s.lagBytes());
        gauge("lifeboat_pitr_slot_retained_bytes", "WAL the server keeps for the archiver's replication slot", tags, db,
                s -> s.slotRetainedBytes() == null ? Double.NaN : s.slotRetainedBytes());
        gauge("lifeboat_pitr_last_upload_timestamp_seconds", "When the archiver last stored a WAL object (Unix time)", tags, db,
                s -> s.lastUploadAt() == null ? Double.NaN : s.lastUploadAt().toEpochMilli() / 1000.0);
    }

    private void gauge(String name, String help, Tags tags, String db, ToDoubleFunction<WalArchiveStatus> value) {
        Gauge.builder(name, archivers, m -> {
            WalArchiver a = m.get(db);
            return a == null ? Double.NaN : value.applyAsDouble(a.status());
        }).description(help).tags(tags).register(registry);
    }
}
