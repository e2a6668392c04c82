package dev.lifeboat.drill;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.store.ObjectStore;

import java.io.IOException;
import java.util.Optional;

/**
 * How one type of database is drilled. Contract:
 * <ul>
 *   <li>Remove leftovers of earlier drills of the same database (scratch copies named with
 *   {@link DrillRun#scratchPrefix}) before restoring, so a drill killed mid-way leaves nothing after the next run.</li>
 *   <li>Refuse ({@link DrillException#refused}) before restoring when the estimate does not fit the scratch space.</li>
 *   <li>Verify what was downloaded (checksums), restore into the scratch place, run the built-in and the user checks,
 *   recording each in {@link DrillRun#check}; a failed check ends in a {@link DrillException} naming it and the value seen.</li>
 *   <li>Remove the scratch copy on every path, failures included. Never write to the source database.</li>
 * </ul>
 */
interface Drill {
    void run(DrillRun run) throws DrillException;

    /** Whether {@code store} (the database's folder) holds anything to restore: a backup, a replica snapshot. Listings only. */
    boolean hasSomethingToRestore(ObjectStore store) throws IOException;

    /**
     * Why no drill of {@code database} can run here at all, asked before each scheduled drill (one short query at
     * most): the reason, free of secrets, with what to do. Empty when it can, or when that cannot be told (then the
     * drill runs and its own failure says why).
     */
    default Optional<String> whyImpossible(String database, DatabaseConfig db) {
        return Optional.empty();
    }
}
