package dev.lifeboat.pitr;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * PITR base backups of one database in the status API ({@code databases.<db>.pitrBaseBackup}), from the destination's
 * manifests (read when the agent starts) and this agent's own runs since. The restorable window starts at
 * {@code restorableFrom}; it ends at the archived WAL ({@code walArchive.archivedLsn}, {@code walArchive.lastUploadAt}).
 *
 * @param lastId           the newest base backup
 * @param lastConsistentAt when it became consistent (a restore can target any later moment the WAL reaches)
 * @param lastStopLsn      its end position
 * @param lastStoredBytes  its size in the destination
 * @param baseBackups      how many base backups are kept
 * @param restorableFrom   the oldest base backup's consistency point: the earliest moment a restore can reach
 * @param running          a base backup runs in this agent now
 * @param lastError        the last failure since the newest base backup, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BaseBackupStatus(String lastId, Instant lastConsistentAt, String lastStopLsn, Long lastStoredBytes, int baseBackups,
                               Instant restorableFrom, boolean running, String lastError, Instant lastErrorAt) {
}
