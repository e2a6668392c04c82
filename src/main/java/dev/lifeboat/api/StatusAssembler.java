package dev.lifeboat.api;

import dev.lifeboat.alert.AlertService;
import dev.lifeboat.alert.AlertsStatus;
import dev.lifeboat.alert.Verdict;
import dev.lifeboat.audit.AuditService;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.InvalidConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.drill.DrillStatus;
import dev.lifeboat.http.Problem;
import dev.lifeboat.postgres.PgBackupService;
import dev.lifeboat.postgres.health.PgHealthWatch;
import dev.lifeboat.runtime.FlyEnvironment;
import dev.lifeboat.sqlite.ReplicationService;
import dev.lifeboat.sqlite.SqliteVersion;
import dev.lifeboat.store.Destinations;
import dev.lifeboat.volume.VolumeMonitor;
import dev.lifeboat.volume.VolumeStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Builds the {@link StatusDocument} from the active configuration and what each capability reports. Dependencies run
 * one way: this package reads the capabilities' status records; no capability imports {@code api}.
 */
@ApplicationScoped
public class StatusAssembler {
    static final String API_VERSION = "v1";
    private static final Instant STARTED = Instant.now();

    @Inject
    ActiveConfig active;

    @Inject
    Destinations destinations;

    @Inject
    ReplicationService replication;

    @Inject
    PgBackupService backups;

    @Inject
    DrillStatus drills;

    @Inject
    AuditService audits;

    @Inject
    VolumeMonitor volumeMonitor;

    @Inject
    PgHealthWatch health;

    @Inject
    dev.lifeboat.pitr.WalArchiveService walArchives;

    @Inject
    dev.lifeboat.pitr.BaseBackupService baseBackups;

    @Inject
    AlertService alerts;

    /** The status document now (uncached: {@link StatusCache} is what the endpoints serve). */
    public StatusDocument status() {
        return status(alerts.verdict(), alerts.status());
    }

    /** The status document with this verdict and alerts section (read by the caller before the rest is assembled). */
    StatusDocument status(Verdict verdict, AlertsStatus alertsStatus) {
        String file = active.path().toString();
        LifeboatConfig config;
        try {
            config = active.get();
        } catch (InvalidConfigException e) {
            return new StatusDocument(API_VERSION, verdict.status(), verdict.reasons(), STARTED, Instant.now(), FlyEnvironment.labels(), SqliteVersion.bundled(),
                    new StatusDocument.ConfigFile(file, false, e.problems().stream().map(Object::toString).toList()),
                    null, null, null, null);
        }
        return new StatusDocument(API_VERSION, verdict.status(), verdict.reasons(), STARTED, Instant.now(), FlyEnvironment.labels(), SqliteVersion.bundled(),
                new StatusDocument.ConfigFile(file, true, null, config.databases().isEmpty() ? List.of(LifeboatConfig.NO_DATABASES) : null),
                destinations(config), databases(config), volumes(config), alertsStatus);
    }

    /** The configured database {@code name}, or a 404 problem: the one lookup every {@code /databases/{db}} endpoint makes. */
    DatabaseConfig database(LifeboatConfig config, String name) {
        DatabaseConfig db = config.databases().get(name);
        if (db == null) {
            throw Problem.noSuchDatabase(name).exception();
        }
        return db;
    }

    SortedMap<String, DestinationStatus> destinations(LifeboatConfig config) {
        SortedMap<String, DestinationStatus> out = new TreeMap<>();
        var checks = destinations.lastChecks();
        config.destinations().forEach((name, d) -> out.put(name, DestinationStatus.of(d, checks.get(name))));
        return out;
    }

    SortedMap<String, DatabaseStatus> databases(LifeboatConfig config) {
        SortedMap<String, DatabaseStatus> out = new TreeMap<>();
        config.databases().forEach((name, db) -> out.put(name, DatabaseStatus.of(name, db, this)));
        return out;
    }

    SortedMap<String, VolumeEntry> volumes(LifeboatConfig config) {
        SortedMap<String, VolumeEntry> out = new TreeMap<>();
        config.volumes().forEach((name, v) -> out.put(name, volumeMonitor.report(name)
                .map(report -> new VolumeEntry(v.path(), v.requireMount(), null, VolumeStatus.of(report)))
                .orElseGet(() -> new VolumeEntry(v.path(), v.requireMount(), false, null))));
        return out;
    }
}
