package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.sqlite.ReplicaStats;
import dev.lifeboat.sqlite.ReplicationService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code replication-lag}, {@code replication-error} and {@code replica-lease-held-elsewhere} for every SQLite database being replicated, from the
 * replicators' {@link ReplicaStats}. Replication is failing while the last sync error is newer than the last good
 * sync; the lag is the age of the oldest committed change not yet in the replica.
 */
@ApplicationScoped
public class ReplicationConditionSource implements ConditionSource {
    @Inject
    ActiveConfig active;

    @Inject
    ReplicationService replication;

    @Override
    public List<Condition> conditions(Instant now) {
        Duration maxLag = active.get().alerts().thresholds().maxReplicationLag();
        List<Condition> out = new ArrayList<>();
        replication.replicators().forEach((name, r) -> {
            out.addAll(conditions(name, r.stats(), maxLag, now));
            replication.lease(name).filter(l -> !"unknown".equals(l.state()))
                    .ifPresent(l -> out.add(ReplicaLeaseRule.evaluate(name, l)));
        });
        return out;
    }

    static List<Condition> conditions(String database, ReplicaStats stats, Duration maxLag, Instant now) {
        Instant unshippedSince = stats.unshippedSince;
        Duration lag = unshippedSince == null || unshippedSince.isAfter(now) ? Duration.ZERO : Duration.between(unshippedSince, now);
        Instant errorAt = stats.lastErrorAt;
        Instant syncAt = stats.lastSyncAt;
        boolean failing = errorAt != null && (syncAt == null || errorAt.isAfter(syncAt));
        return List.of(ReplicationLagRule.evaluate(database, lag, maxLag),
                ReplicationErrorRule.evaluate(database, failing ? String.valueOf(stats.lastError) : null));
    }
}
