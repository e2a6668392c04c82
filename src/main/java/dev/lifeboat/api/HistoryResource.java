package dev.lifeboat.api;

import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.AuditService;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.drill.DrillService;
import dev.lifeboat.postgres.BackupStatus;
import dev.lifeboat.postgres.PgAuditor;
import dev.lifeboat.postgres.PgBackupService;
import dev.lifeboat.sqlite.ReplicationService;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** {@code GET /api/v1/databases/{db}/history}: the dashboard's charts, answered from memory; see {@link DatabaseHistory}. */
@Path("/api/v1/databases/{db}/history")
@Produces(MediaType.APPLICATION_JSON)
public class HistoryResource {
    static final int BACKUPS = 30;
    /** 360 lag samples per hour: a chart a few hundred pixels wide shows no more, and a poll stays ~10 KB. */
    static final int LAG_BUCKET_SECONDS = 10;

    @Inject
    ActiveConfig active;

    @Inject
    PgAuditor pgAudits;

    @Inject
    PgBackupService backups;

    @Inject
    AuditService audits;

    @Inject
    DrillService drills;

    @Inject
    ReplicationService replication;

    @GET
    public DatabaseHistory history(@PathParam("db") String database) {
        DatabaseConfig db = active.get().databases().get(database);
        if (db == null) {
            throw new NotFoundException("no database named '" + database + "'");
        }
        Instant now = Instant.now();
        return switch (db.type()) {
            case POSTGRES -> new DatabaseHistory(database, db.type().configName(), now,
                    audits.report(database).map(AuditReport::checkedAt).orElse(null), backupRuns(database),
                    drills.recentDrills(database), null);
            case SQLITE -> new DatabaseHistory(database, db.type().configName(), now, null, null, drills.recentDrills(database),
                    new DatabaseHistory.Lag(LAG_BUCKET_SECONDS, replication.lagHistory(database)
                            .map(ring -> ring.lastHour(now.toEpochMilli(), LAG_BUCKET_SECONDS)).orElse(List.of())));
        };
    }

    /**
     * The audit's manifests, plus the backup this agent finished since that audit (so "back up now" shows at once,
     * not an audit interval later); the newest {@link #BACKUPS}, oldest first.
     */
    private List<DatabaseHistory.BackupRun> backupRuns(String database) {
        List<DatabaseHistory.BackupRun> runs = new ArrayList<>(pgAudits.knownBackups(database).stream().map(DatabaseHistory.BackupRun::of).toList());
        BackupStatus last = backups.state(database).status();
        if (last.lastBackupId() != null && last.lastSuccessAt() != null && last.lastDurationSeconds() != null
                && runs.stream().noneMatch(r -> r.id().equals(last.lastBackupId()))) {
            Instant started = last.lastSuccessAt().minusMillis(Math.round(last.lastDurationSeconds() * 1000));
            runs.add(new DatabaseHistory.BackupRun(last.lastBackupId(), started, last.lastSuccessAt(), last.lastDurationSeconds(),
                    last.lastStoredBytes() == null ? -1 : last.lastStoredBytes(), last.lastRawBytes() == null ? -1 : last.lastRawBytes()));
        }
        return List.copyOf(runs.subList(Math.max(0, runs.size() - BACKUPS), runs.size()));
    }
}
