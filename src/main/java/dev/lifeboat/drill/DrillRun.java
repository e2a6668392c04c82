package dev.lifeboat.drill;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.store.ObjectStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One drill in progress: its inputs, and what the type-specific {@link Drill} has found out so far. What is filled
 * in survives a failure, so a failed drill's record still says which backup it tried and what each check saw.
 */
final class DrillRun {
    final String id;
    final String database;
    final DatabaseConfig config;
    final LifeboatConfig lifeboat;
    final ObjectStore store;
    final Instant startedAt;

    volatile String backupId;
    volatile Instant backupTime;
    volatile Long restoreMillis;
    volatile long storedBytes;
    volatile long restoredBytes = -1;
    volatile String scratch;
    final List<CheckResult> checks = new ArrayList<>();

    DrillRun(String id, String database, LifeboatConfig lifeboat, ObjectStore store, Instant startedAt) {
        this.id = id;
        this.database = database;
        this.lifeboat = lifeboat;
        this.config = lifeboat.databases().get(database);
        this.store = store;
        this.startedAt = startedAt;
    }

    synchronized void check(CheckResult result) {
        checks.add(result);
    }

    synchronized List<CheckResult> checks() {
        return List.copyOf(checks);
    }

    /** {@code lifeboat_drill_<db>_<id>}: the prefix by which leftovers of this database's drills are recognised. */
    static String scratchPrefix(String database) {
        String safe = database.toLowerCase().replaceAll("[^a-z0-9_]", "_");
        if (safe.length() > 30) {
            safe = safe.substring(0, 30);
        }
        return "lifeboat_drill_" + safe + "_";
    }

    String scratchName() {
        return scratchPrefix(database) + id.toLowerCase().replaceAll("[^a-z0-9]", "");
    }
}
