package dev.lifeboat.postgres;

import java.time.Instant;

/**
 * The {@code backup} entry of a PostgreSQL database in the status API: a snapshot of its {@link BackupState}. Unknown
 * values are null (shown as JSON null). Holds no secrets: failure reasons are redacted where they are made.
 *
 * @param running             a backup runs now
 * @param lastSuccessAt       end of the last successful backup
 * @param lastBackupId        id of that backup
 * @param lastDurationSeconds its duration
 * @param lastStoredBytes     its size in the destination
 * @param lastRawBytes        its size before compression and encryption
 * @param lastFailureAt       time of the last failed backup
 * @param lastFailure         why it failed
 * @param consecutiveFailures failed backups since the last success
 * @param nextRunAt           when the next backup is due: the scheduled one, or the retry of a failed one if sooner
 * @param skippedTicks        scheduled backups skipped because one was still running or another agent took the slot
 * @param lastSkip            why the last scheduled backup skipped for another agent ({@code slot ... was taken by
 *                            <holder>}); absent when none was
 */
public record BackupStatus(boolean running, Instant lastSuccessAt, String lastBackupId, Double lastDurationSeconds,
                           Long lastStoredBytes, Long lastRawBytes, Instant lastFailureAt, String lastFailure,
                           int consecutiveFailures, Instant nextRunAt, long skippedTicks,
                           @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String lastSkip) {
}
