package dev.lifeboat.alert;

import dev.lifeboat.postgres.health.PgHealthReport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PostgreSQL health rules as pure functions: thresholds, severities and what the summaries may say. */
class PgHealthRulesTest {
    private static PgHealthReport.Connections used(int total) {
        return new PgHealthReport.Connections(total - 2, 1, 1, 0, total, 100, 3, 97, Math.round(total * 1000.0 / 97) / 10.0,
                List.of(new PgHealthReport.ClientGroup("web", "10.0.0.7", total - 1)));
    }

    @Test
    void connectionsWarnAt80AndAreCriticalAt95PercentOfTheUsableSlots() {
        Condition ok = PgHealthRules.connections("shop", used(77), 80, 95);
        assertFalse(ok.firing(), ok.summary());
        Condition warn = PgHealthRules.connections("shop", used(78), 80, 95);
        assertTrue(warn.firing());
        assertEquals(Severity.WARNING, warn.severity());
        assertTrue(warn.summary().contains("78 of 97 usable connections") && warn.summary().contains("web@10.0.0.7 x77"), warn.summary());
        Condition critical = PgHealthRules.connections("shop", used(93), 80, 95);
        assertEquals(Severity.CRITICAL, critical.severity());
        assertEquals("pg-connections/shop", critical.key());
    }

    @Test
    void transactionsFireAfterTheirLimitAndShowTheQueryOnlyWhenTheReportHoldsIt() {
        var hidden = new PgHealthReport.Session(42, "app", "web", "10.0.0.7", "idle in transaction", 301, "Client:ClientRead", null);
        Condition c = PgHealthRules.idleInTransaction("shop", hidden, Duration.ofMinutes(5));
        assertTrue(c.firing());
        assertTrue(c.summary().contains("pid 42, user app, application web, client 10.0.0.7") && c.summary().contains("Client:ClientRead"), c.summary());
        assertFalse(c.summary().contains("query"), c.summary());
        assertFalse(PgHealthRules.longTransaction("shop", hidden, Duration.ofMinutes(6)).firing());
        assertFalse(PgHealthRules.longTransaction("shop", null, Duration.ofMinutes(5)).firing());
        var shown = new PgHealthReport.Session(42, "app", "web", null, "active", 400, null, "UPDATE t SET x = 1");
        assertTrue(PgHealthRules.longTransaction("shop", shown, Duration.ofMinutes(5)).summary().contains("query: UPDATE t SET x = 1"));
    }

    @Test
    void onlyInactiveSlotsOverTheLimitFire() {
        long gb = 1_000_000_000L;
        var slots = List.of(new PgHealthReport.Slot("live", "physical", true, 5 * gb, "extended"),
                new PgHealthReport.Slot("small", "physical", false, 10L, "reserved"),
                new PgHealthReport.Slot("unreserved", "physical", false, null, null));
        assertFalse(PgHealthRules.slotRetained("shop", slots, gb).firing());
        var forgotten = List.of(new PgHealthReport.Slot("old", "logical", false, 2 * gb, "extended"));
        Condition c = PgHealthRules.slotRetained("shop", forgotten, gb);
        assertTrue(c.firing());
        assertTrue(c.summary().contains("pg_drop_replication_slot('old')"), c.summary());
    }

    @Test
    void wraparoundIsCriticalPastTheXidAge() {
        assertFalse(PgHealthRules.wraparound("shop", new PgHealthReport.XidAge("shop", 999_999_999L), 1_000_000_000L).firing());
        Condition c = PgHealthRules.wraparound("shop", new PgHealthReport.XidAge("legacy", 1_200_000_000L), 1_000_000_000L);
        assertTrue(c.firing());
        assertEquals(Severity.CRITICAL, c.severity());
        assertTrue(c.summary().contains("database legacy"), c.summary());
    }

    @Test
    void replicationLagWarnsOnTimeOrBytesAndIsCriticalOnTime() {
        var limits = new PgReplicationRules.Limits(Duration.ofSeconds(30), 256_000_000L, Duration.ofMinutes(5));
        var fine = new PgHealthReport.Standby("replica1", "streaming", "10.0.0.8", 0.1, 0.1, 0.2, 0L, 0L, 1000L);
        assertFalse(PgReplicationRules.primaryLag("shop", List.of(fine), limits).firing());
        var bytes = new PgHealthReport.Standby("replica2", "streaming", "10.0.0.9", null, null, null, 0L, 0L, 300_000_000L);
        Condition c = PgReplicationRules.primaryLag("shop", List.of(fine, bytes), limits);
        assertTrue(c.firing() && c.severity() == Severity.WARNING && c.summary().contains("standby replica2"), c.summary());
        var late = new PgHealthReport.Standby("replica1", "streaming", "10.0.0.8", 301.0, 301.0, 301.0, 0L, 0L, 10L);
        assertEquals(Severity.CRITICAL, PgReplicationRules.primaryLag("shop", List.of(late), limits).severity());

        var idlePrimary = new PgHealthReport.Recovery("0/3000000", "0/3000000", 0L, 0.0, false, "streaming");
        Condition idle = PgReplicationRules.standbyLag("shop", idlePrimary, limits);
        assertFalse(idle.firing());
        assertTrue(idle.summary().contains("an idle primary is not a lag"), idle.summary());
        var paused = new PgHealthReport.Recovery("0/9000000", "0/3000000", 300_000_000L, 45.0, true, "streaming");
        Condition stuck = PgReplicationRules.standbyLag("shop", paused, limits);
        assertTrue(stuck.firing() && stuck.summary().contains("pg_wal_replay_resume()"), stuck.summary());
    }

    @Test
    void aMissingExpectedStandbyIsNamed() {
        var one = new PgHealthReport.Standby("replica1", "streaming", null, null, null, null, 0L, 0L, 0L);
        assertFalse(PgReplicationRules.standbyMissing("shop", List.of("replica1"), List.of(one)).firing());
        Condition c = PgReplicationRules.standbyMissing("shop", List.of("replica1", "replica2"), List.of(one));
        assertTrue(c.firing() && c.summary().contains("replica2 not connected (connected: replica1)"), c.summary());
    }
}
