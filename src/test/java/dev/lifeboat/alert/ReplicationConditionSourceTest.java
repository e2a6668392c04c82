package dev.lifeboat.alert;

import dev.lifeboat.sqlite.ReplicaStats;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplicationConditionSourceTest {
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    @Test
    void lagAndErrorsFromReplicaStats() {
        ReplicaStats s = new ReplicaStats();
        List<Condition> healthy = ReplicationConditionSource.conditions("app", s, Duration.ofMinutes(5), NOW);
        assertEquals(List.of("replication-lag/app", "replication-error/app"), healthy.stream().map(Condition::key).toList());
        assertTrue(healthy.stream().noneMatch(Condition::firing));

        s.unshippedSince = NOW.minus(Duration.ofMinutes(6));
        s.lastSyncAt = NOW.minusSeconds(30);
        s.lastError = "PUT generations/…: 503 Slow Down";
        s.lastErrorAt = NOW.minusSeconds(1);
        List<Condition> bad = ReplicationConditionSource.conditions("app", s, Duration.ofMinutes(5), NOW);
        assertTrue(bad.get(0).firing(), "6 minutes behind");
        assertTrue(bad.get(1).firing());
        assertTrue(bad.get(1).summary().contains("503 Slow Down"));

        s.lastSyncAt = NOW; // a good sync after the error: no longer failing
        s.unshippedSince = null;
        List<Condition> recovered = ReplicationConditionSource.conditions("app", s, Duration.ofMinutes(5), NOW);
        assertFalse(recovered.get(0).firing());
        assertFalse(recovered.get(1).firing());
    }
}
