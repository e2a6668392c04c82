package dev.lifeboat.sqlite;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bundled SQLite must be outside the WAL-reset bug's range: this test fails the build when it is not. */
class SqliteVersionTest {

    @Test
    void bundledSqliteHasTheWalResetFix() {
        String version = SqliteVersion.bundled();
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+"), "bundled SQLite version: " + version);
        assertFalse(SqliteVersion.hasWalResetBug(version),
                "the bundled SQLite " + version + " has the WAL-reset bug: upgrade sqlite-jdbc to a release with SQLite >= 3.51.3");
    }

    @Test
    void affectedRangeAndBackports() {
        for (String affected : new String[] {"3.7.0", "3.40.1", "3.44.5", "3.50.3", "3.50.6", "3.51.0", "3.51.2"}) {
            assertTrue(SqliteVersion.hasWalResetBug(affected), affected);
        }
        for (String fixed : new String[] {"3.6.23", "3.44.6", "3.50.7", "3.51.3", "3.53.0", "3.54.1", "4.0.0"}) {
            assertFalse(SqliteVersion.hasWalResetBug(fixed), fixed);
        }
    }
}
