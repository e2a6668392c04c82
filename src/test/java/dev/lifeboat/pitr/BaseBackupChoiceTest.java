package dev.lifeboat.pitr;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.lifeboat.pitr.WalPrefetchPlanTest.base;
import static dev.lifeboat.pitr.WalPrefetchPlanTest.object;
import static dev.lifeboat.pitr.WalPrefetchPlanTest.sha;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A restore starts from a base backup whose WAL up to its consistent point is archived
 * ({@link PitrRestorer#archived}): a base backup that finished while archiving lagged is passed over (a --latest restore
 * failed with "lacks segment" when it always took the newest).
 */
class BaseBackupChoiceTest {
    // base(...) starts at 0/2000028 and is consistent at 0/2000100: segment 2 of timeline 1
    private static final BaseBackupManifest BASE = base("000000010000000000000002");

    @Test
    void aCompleteSegmentThroughTheConsistentPointIsArchived() {
        assertTrue(PitrRestorer.archived(List.of(object("000000010000000000000002", -1, sha(2), 0)), BASE));
    }

    @Test
    void aPartialCountsOnlyWhenItReachesTheConsistentPoint() {
        assertTrue(PitrRestorer.archived(List.of(object("000000010000000000000002", 0x100, sha(2), 0)), BASE));
        assertFalse(PitrRestorer.archived(List.of(object("000000010000000000000002", 0xff, sha(2), 0)), BASE));
    }

    @Test
    void missingWalOrAnotherTimelineIsNotArchived() {
        assertFalse(PitrRestorer.archived(List.of(object("000000010000000000000001", -1, sha(1), 0)), BASE));
        assertFalse(PitrRestorer.archived(List.of(object("000000020000000000000002", -1, sha(2), 0)), BASE));
    }
}
