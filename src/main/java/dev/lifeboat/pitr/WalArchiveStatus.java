package dev.lifeboat.pitr;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The WAL archiver of one database as status, metrics and the {@code pitr-*} alerts see it. Positions are what the
 * store holds ({@code archivedLsn}: every byte before it is in a stored object) and what the server last said.
 *
 * @param state             {@code starting}, {@code streaming}, {@code retrying} (after an error, with backoff) or
 *                          {@code preflight-failed} (the server must be changed: see {@code preflightProblems})
 * @param preflightProblems what the server must change, each naming the config key; empty when it passed
 * @param timeline          the timeline being archived; null before the first connection
 * @param archivedLsn       the archived position (null before anything was archived or seen in the store)
 * @param serverLsn         the server's WAL end as last seen
 * @param lagBytes          serverLsn minus archivedLsn
 * @param lagSeconds        how long WAL the server has written has been waiting to be archived (0 when caught up)
 * @param slotRetainedBytes WAL the server keeps for the slot (its current position minus the slot's restart_lsn)
 * @param lastUploadAt      when an object was last stored
 * @param lastError         the last failure; cleared by the next stored object, or once streaming again and caught up
 * @param walConflicts      WAL file names with two or more different complete objects, each naming them all
 *                          ({@link WalArchive.Conflict}); found at each session start and by each upload
 */
public record WalArchiveStatus(String state, List<String> preflightProblems, String slot, Integer timeline,
                               String archivedLsn, String serverLsn, Long lagBytes, Double lagSeconds,
                               Long slotRetainedBytes, Instant lastUploadAt, String lastError, Instant lastErrorAt,
                               long segmentsArchived, long partialsArchived, List<String> walConflicts) {

    /** The archive lag as a duration, zero when unknown. */
    public Duration lag() {
        return lagSeconds == null ? Duration.ZERO : Duration.ofMillis((long) (lagSeconds * 1000));
    }
}
