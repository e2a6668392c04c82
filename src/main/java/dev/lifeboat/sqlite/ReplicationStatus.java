package dev.lifeboat.sqlite;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * The {@code replication} entry of a SQLite database in the status API: either what a running replication has done,
 * or why the volume guard refused to start it. Never holds secrets (errors come from I/O messages on paths and keys).
 */
@org.eclipse.microprofile.openapi.annotations.media.Schema(oneOf = {ReplicationStatus.Replicating.class, ReplicationStatus.Refused.class})
public sealed interface ReplicationStatus permits ReplicationStatus.Replicating, ReplicationStatus.Refused {

    /**
     * A replication that runs (or ran until the agent stopped).
     *
     * @param state             {@code starting}, {@code replicating}... as the replicator reports it
     * @param generation        current generation, null before the first sync
     * @param index             WAL index reached in the generation, 8 hex digits (Litestream's file names)
     * @param offset            offset reached in that WAL index
     * @param lagSeconds        age of the oldest committed transaction not yet in the replica
     * @param lastWriterHoldSeconds how long Lifeboat's last checkpoint held the app's writers out
     * @param generationsStarted generations started by this agent
     * @param lastError         the last sync error, absent when there was none
     */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "Replicating")
    record Replicating(String state, String generation, String index, long offset, double lagSeconds, long walBytes,
                       Instant lastSnapshotAt, Instant lastSyncAt, Instant lastShipAt, double lastWriterHoldSeconds,
                       long syncs, long syncErrors, long checkpoints, long checkpointErrors, long snapshots, long segments,
                       long generationsStarted,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String lastError,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Instant lastErrorAt) implements ReplicationStatus {
    }

    /** Replication of the database was refused (its volume failed the guard); {@code refused} says why. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "ReplicationRefused")
    record Refused(String refused) implements ReplicationStatus {
    }
}
