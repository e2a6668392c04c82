package dev.lifeboat.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.drill.DrillOverview;
import dev.lifeboat.sqlite.LagRing;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/v1/databases/{db}/history}: what the dashboard charts. Every part is answered from memory, so
 * polling it costs the destination nothing: backups are the manifests the last audit listed (survive restarts: the
 * bucket holds them), drills the newest drill records (read from the destination at start, survive restarts), lag
 * a ring filled by every sync (empty after a restart). Parts that do not apply are absent: {@code backups} for
 * SQLite, {@code lag} for PostgreSQL.
 *
 * @param backupsListedAt when the audit last listed the destination (absent before the first audit)
 * @param backups         the newest {@value HistoryResource#BACKUPS} backups, oldest first
 * @param drills          the newest drills known to this agent, newest first
 * @param lag             replication lag over the last hour
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatabaseHistory(String database, String type, Instant now, Instant backupsListedAt, List<BackupRun> backups,
                              List<DrillOverview.Summary> drills, Lag lag) {

    /**
     * One backup as its manifest recorded it.
     *
     * @param durationSeconds from the dump's start to its data being complete
     * @param storedBytes     size in the destination
     * @param rawBytes        size before compression and encryption
     */
    public record BackupRun(String id, Instant startedAt, Instant finishedAt, double durationSeconds, long storedBytes, long rawBytes) {
        static BackupRun of(Manifest m) {
            return new BackupRun(m.id(), m.startedAt(), m.finishedAt(), m.duration().toMillis() / 1000.0, m.storedBytes(), m.rawBytes());
        }
    }

    /**
     * Replication lag over the last hour.
     *
     * @param bucketSeconds width of each sample: its value is the largest lag seen in it
     * @param samples       oldest first; buckets without a sync are left out (the ring starts empty at agent start)
     */
    public record Lag(int bucketSeconds, List<LagRing.Sample> samples) {
    }
}
