package dev.lifeboat.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.drill.DrillRecord;
import dev.lifeboat.sqlite.Replicator;
import dev.lifeboat.volume.Condition;
import dev.lifeboat.volume.VolumeReport;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

/** What a finished job produced; one record per kind of job. Keys are relative to the database's folder in its destination. */
@Schema(name = "JobResult", oneOf = {JobResult.Backup.class, JobResult.Snapshot.class, JobResult.Drill.class, JobResult.VolumeCheck.class})
public sealed interface JobResult {
    /** A pg_dump backup: its id, manifest and data objects, sizes. */
    @Schema(name = "BackupJobResult")
    record Backup(String backupId, String manifestKey, String dataKey, long rawBytes, long storedBytes, double durationSeconds)
            implements JobResult {
        static Backup of(Manifest m) {
            return new Backup(m.id(), BackupCatalog.manifestKey(m.id()), m.dataKey(), m.rawBytes(), m.storedBytes(),
                    m.duration().toMillis() / 1000.0);
        }
    }

    /** A SQLite snapshot: the generation and WAL index it starts, and its object. */
    @Schema(name = "SnapshotJobResult")
    record Snapshot(String generation, int index, String snapshotKey, Instant takenAt) implements JobResult {
        static Snapshot of(Replicator.SnapshotTaken s) {
            return new Snapshot(s.generation(), s.index(), s.key(), s.takenAt());
        }
    }

    /**
     * A restore drill's verdict.
     *
     * @param rtoMillis  download + verify + restore time (the recovery time this backup achieves)
     * @param rpoSeconds age of the restored data at the drill's start
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "DrillJobResult")
    record Drill(String drillId, String outcome, String backupId, Long rtoMillis, Long rpoSeconds, long durationMillis, String error)
            implements JobResult {
        static Drill of(DrillRecord r) {
            return new Drill(r.id(), r.outcome(), r.backupId(), r.restoreMillis(), r.rpoSeconds(), r.durationMillis(), r.error());
        }
    }

    /** A check of every volume: how many are healthy, and each one's free space and failing conditions. */
    @Schema(name = "VolumeCheckJobResult")
    record VolumeCheck(int volumes, int healthy, List<Volume> reports) implements JobResult {
        /** One volume: {@code failing} lists condition ids with their reasons. */
        @Schema(name = "VolumeCheckedByJob")
        public record Volume(String volume, boolean healthy, Long freeBytes, List<String> failing) {
        }

        static VolumeCheck of(List<VolumeReport> reports) {
            List<Volume> lines = reports.stream().map(r -> new Volume(r.volume(), r.healthy(), r.freeBytes(),
                    r.failing().stream().map(Condition::toString).toList())).toList();
            return new VolumeCheck(reports.size(), (int) reports.stream().filter(VolumeReport::healthy).count(), lines);
        }
    }
}
