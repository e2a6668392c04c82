package dev.lifeboat.alert;

import dev.lifeboat.config.Schedule;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pitr-base-backup-stale}: one missed schedule tick is tolerated, two are not; none at all fires after a failure. */
class PitrBaseBackupStaleRuleTest {
    private static final Instant T = Instant.parse("2026-12-05T03:00:00Z");

    @Test
    void firesAfterTwoMissedTicks() {
        Schedule daily = Schedule.parse("24h");
        assertFalse(PitrBaseBackupStaleRule.evaluate("shop", daily, T, null, T.plusSeconds(36 * 3600)).firing());
        assertFalse(PitrBaseBackupStaleRule.evaluate("shop", daily, T, null, T.plusSeconds(47 * 3600)).firing());
        var c = PitrBaseBackupStaleRule.evaluate("shop", daily, T, "pg_basebackup exited with code 1", T.plusSeconds(49 * 3600));
        assertTrue(c.firing());
        assertTrue(c.summary().contains("more than two scheduled runs ago") && c.summary().contains("exited with code 1"), c.summary());
        Schedule cron = Schedule.parse("0 3 * * *");
        assertFalse(PitrBaseBackupStaleRule.evaluate("shop", cron, T, null, T.plusSeconds(47 * 3600)).firing());
        assertTrue(PitrBaseBackupStaleRule.evaluate("shop", cron, T, null, T.plusSeconds(48 * 3600 + 60)).firing());
    }

    @Test
    void noBaseBackupAndAFailureFires() {
        var c = PitrBaseBackupStaleRule.evaluate("shop", Schedule.parse("24h"), null, "role lacks REPLICATION", T);
        assertTrue(c.firing());
        assertTrue(c.summary().contains("no PITR base backup"), c.summary());
    }
}
