package dev.lifeboat.drill;

import dev.lifeboat.config.LifeboatConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a restore drill promises whatever the database type, run against each type on a real backup: a drill passes
 * on a good backup without touching the source, fails naming the backup on a damaged one or the check on a false
 * one, cleans up after itself and after a killed drill, and refuses what would not fit. Each type adds what only it
 * does in its {@code also...} checks and its own tests.
 */
abstract class DrillContract {
    /** A user check that is false on the test's database: its name, its query, and the value the query returns. */
    record FalseCheck(String name, String query, String seen) {
    }

    /** Asserts the source database is as it was when the check was made. */
    interface SourceCheck {
        void assertUnchanged() throws Exception;
    }

    /** A user check of the configuration and the value it observes on the backup. */
    record Observed(String check, String value) {
    }

    /** The database the drills restore, as the configuration names it. */
    protected abstract String database();

    /** The test configuration with {@code drillExtra} appended to the database's {@code drill:} section, after its user checks. */
    protected abstract LifeboatConfig config(String drillExtra);

    /** The service drills run in, new for each test as a fresh agent's would be. */
    protected abstract DrillService service();

    /** How a failed drill's error names the backup it restored (its id, or generation and snapshot). */
    protected abstract String backupName();

    /** The built-in checks then the user checks a passing drill reports, in order. */
    protected abstract List<String> checkNames();

    protected abstract Observed userCheckObserved();

    /** Notes the source database's state; the returned check asserts the drill left it as it was. */
    protected abstract SourceCheck watchSource() throws Exception;

    /** What drills left in the scratch area (scratch databases or files), by name. */
    protected abstract List<String> scratchLeft() throws Exception;

    /** Flips a byte of the stored backup and runs a drill on it. */
    protected abstract DrillRecord drillAfterFlippingAByte() throws Exception;

    /** Cuts the end off a stored object of the backup and runs a drill on it. */
    protected abstract DrillRecord drillAfterTruncating() throws Exception;

    protected abstract FalseCheck falseCheck();

    /** Leaves in the scratch area what a killed drill leaves, and something of someone else's; returns the latter's names. */
    protected abstract List<String> leaveScratchOfAKilledDrillAndAnother() throws Exception;

    /** A scratch-space limit in KiB that the backup cannot fit in. */
    protected abstract int tooSmallScratchKiB();

    /** Makes the backup hold the source's current state, when the type compares the two. */
    protected void backupCatchesUp() throws Exception {
    }

    protected void alsoWhenPassed(DrillRecord r) throws Exception {
    }

    protected void alsoWhenAByteFlipped(DrillRecord r) {
    }

    protected void alsoWhenTruncated(DrillRecord r) {
    }

    protected void alsoWhenRefused(DrillRecord r) {
    }

    static DrillService newService() {
        DrillService s = new DrillService();
        s.metrics = new DrillMetrics();
        s.metrics.registry = new SimpleMeterRegistry();
        return s;
    }

    @Test
    void drillPassesWithBuiltInAndUserChecksAndNeverTouchesTheSource() throws Exception {
        backupCatchesUp();
        SourceCheck sourceUnchanged = watchSource();

        DrillRecord r = service().run(config(""), database(), "cli");

        assertEquals(DrillRecord.PASSED, r.outcome(), () -> String.join("\n", DrillReport.text(r)));
        assertTrue(r.backupId().startsWith(backupName()), r.backupId());
        assertNotNull(r.restoreMillis());
        assertNotNull(r.rpoSeconds());
        assertTrue(r.rpoSeconds() >= 0, "RPO " + r.rpoSeconds());
        assertTrue(r.storedBytes() > 0 && r.restoredBytes() > 0);
        assertEquals(checkNames(), r.checks().stream().map(CheckResult::name).toList());
        assertTrue(r.checks().stream().allMatch(CheckResult::passed));
        Observed expected = userCheckObserved();
        assertEquals(expected.value(), r.checks().stream().filter(c -> c.name().equals(expected.check())).findFirst().orElseThrow().observed());
        assertEquals(List.of(), scratchLeft());
        sourceUnchanged.assertUnchanged();
        alsoWhenPassed(r);
    }

    @Test
    void flippedByteFailsWithAChecksumErrorNamingTheBackup() throws Exception {
        DrillRecord r = drillAfterFlippingAByte();
        assertEquals(DrillRecord.FAILED, r.outcome());
        assertTrue(r.error().contains(backupName()), r.error());
        assertTrue(r.error().toLowerCase().contains("checksum"), r.error());
        assertEquals(List.of(), scratchLeft());
        assertEquals(1, service().state(database()).orElseThrow().consecutiveFailures());
        alsoWhenAByteFlipped(r);
    }

    @Test
    void truncatedObjectFailsNamingTheBackup() throws Exception {
        DrillRecord r = drillAfterTruncating();
        assertEquals(DrillRecord.FAILED, r.outcome());
        assertTrue(r.error().contains(backupName()), r.error());
        assertEquals(List.of(), scratchLeft());
        alsoWhenTruncated(r);
    }

    @Test
    void falseUserCheckFailsNamingTheCheckAndTheValueSeen() throws Exception {
        FalseCheck check = falseCheck();
        DrillRecord r = service().run(config("        " + check.name() + ": { query: '" + check.query() + "', expect: '== 0' }\n"),
                database(), "cli");
        assertEquals(DrillRecord.FAILED, r.outcome());
        assertTrue(r.error().contains("check '" + check.name() + "' failed: expected == 0, saw " + check.seen()), r.error());
        assertEquals(List.of(), scratchLeft());
    }

    @Test
    void leftoversOfAKilledDrillAreRemovedByTheNextRun() throws Exception {
        List<String> others = leaveScratchOfAKilledDrillAndAnother();
        DrillRecord r = service().run(config(""), database(), "schedule");
        assertEquals(DrillRecord.PASSED, r.outcome(), r.error());
        assertEquals(others, scratchLeft());
    }

    @Test
    void drillThatWouldNotFitIsRefusedWithTheReason() {
        int kib = tooSmallScratchKiB();
        DrillRecord r = service().run(config("      scratch-space: " + kib + "KiB\n"), database(), "cli");
        assertEquals(DrillRecord.REFUSED, r.outcome());
        assertTrue(r.error().contains("drill.scratch-space allows " + kib + ".0 KiB"), r.error());
        assertFalse(r.passed());
        alsoWhenRefused(r);
    }
}
