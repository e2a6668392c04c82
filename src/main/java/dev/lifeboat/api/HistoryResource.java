package dev.lifeboat.api;

import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.AuditService;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.drill.DrillService;
import dev.lifeboat.http.Problem;
import dev.lifeboat.postgres.BackupStatus;
import dev.lifeboat.postgres.PgAuditor;
import dev.lifeboat.postgres.PgBackupService;
import dev.lifeboat.sqlite.ReplicationService;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** {@code GET /api/v1/databases/{db}/history}: the dashboard's charts, answered from memory; see {@link DatabaseHistory}. */
@Path("/api/v1/databases/{db}/history")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "databases")
public class HistoryResource {
    static final int BACKUPS = 30;
    /** 360 lag samples per hour: a chart a few hundred pixels wide shows no more, and a poll stays ~10 KB. */
    static final int LAG_BUCKET_SECONDS = 10;

    @Inject
    ActiveConfig active;

    @Inject
    StatusAssembler assembler;

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
    @Operation(summary = "A database's history for charts", description = "Answered from memory, so polling costs the "
            + "destination nothing: PostgreSQL backups (the newest " + BACKUPS + " manifests the replica audit listed, oldest "
            + "first), the newest drills, and SQLite replication lag over the last hour (empty after a restart).")
    @APIResponse(responseCode = "200", description = "the history", content = @Content(schema = @Schema(implementation = DatabaseHistory.class)))
    @APIResponse(responseCode = "404", description = "no such database", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public DatabaseHistory history(@PathParam("db") String database) {
        DatabaseConfig db = assembler.database(active.get(), database);
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
