package dev.lifeboat.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.audit.AuditStatus;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.VolumeConfig;
import dev.lifeboat.drill.DrillOverview;
import dev.lifeboat.postgres.BackupStatus;
import dev.lifeboat.sqlite.ReplicationStatus;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * A database in {@code GET /api/v1/databases[/{db}]}: the answers a person or script asks first, lifted out of the
 * {@link DatabaseStatus} the status document holds (kept whole in {@code status}). Absent fields are unknown or do not
 * apply: {@code schedule} and {@code nextRunAt} for SQLite (replicated continuously), {@code syncInterval} and
 * {@code replicationLagSeconds} for PostgreSQL, {@code restorablePoint} and {@code rpoSeconds} before the first audit
 * of the destination, {@code lastDrill} before the first drill, {@code volume} when no configured volume holds it.
 *
 * @param lastSuccessAt         PostgreSQL: end of the last successful backup; SQLite: the last successful sync
 * @param lastFailureAt         the last failed backup or sync
 * @param lastFailure           why it failed (or why replication was refused)
 * @param nextRunAt             the next scheduled backup
 * @param restorablePoint       the newest moment a restore can reach, as the destination proves it
 * @param rpoSeconds            RPO now: the age of {@code restorablePoint}, the data a restore now would lose
 * @param replicationLagSeconds SQLite: age of the oldest committed transaction not yet in the replica
 * @param lastDrill             the newest restore drill
 * @param volume                the configured volume that holds the database file
 * @param status                everything the status document says about it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Database")
public record DatabaseView(String name, String type, String destination, String schedule, String syncInterval,
                           Instant lastSuccessAt, Instant lastFailureAt, String lastFailure, Instant nextRunAt,
                           Instant restorablePoint, Long rpoSeconds, Double replicationLagSeconds,
                           DrillOverview.Summary lastDrill, String volume, DatabaseStatus status) {

    static DatabaseView of(String name, DatabaseConfig db, DatabaseStatus s, Map<String, VolumeConfig> volumes) {
        Instant lastSuccess = null;
        Instant lastFailureAt = null;
        String lastFailure = null;
        Instant nextRun = null;
        Double lag = null;
        BackupStatus backup = s.backup();
        if (backup != null) {
            lastSuccess = backup.lastSuccessAt();
            lastFailureAt = backup.lastFailureAt();
            lastFailure = backup.lastFailure();
            nextRun = backup.nextRunAt();
        }
        switch (s.replication()) {
            case ReplicationStatus.Replicating r -> {
                lastSuccess = r.lastSyncAt();
                lastFailureAt = r.lastErrorAt();
                lastFailure = r.lastError();
                lag = r.lagSeconds();
            }
            case ReplicationStatus.Refused r -> lastFailure = r.refused();
            case null -> { }
        }
        AuditStatus audit = s.audit();
        DrillOverview drill = s.drill();
        return new DatabaseView(name, s.type(), s.destination(), s.schedule(), s.syncInterval(), lastSuccess, lastFailureAt,
                lastFailure, nextRun, audit == null ? null : audit.restorablePoint(), audit == null ? null : audit.rpoSeconds(), lag,
                drill == null || drill.outcomes() == null ? null : drill.outcomes().last(), volume(db, volumes), s);
    }

    /** The volume whose path holds the database file (the deepest one when volumes nest); PostgreSQL has none here. */
    static String volume(DatabaseConfig db, Map<String, VolumeConfig> volumes) {
        if (db.path().isEmpty()) {
            return null;
        }
        Path file = Path.of(db.path().get()).toAbsolutePath().normalize();
        String best = null;
        int depth = -1;
        for (var v : volumes.entrySet()) {
            Path root = Path.of(v.getValue().path()).toAbsolutePath().normalize();
            if (file.startsWith(root) && root.getNameCount() > depth) {
                best = v.getKey();
                depth = root.getNameCount();
            }
        }
        return best;
    }
}
