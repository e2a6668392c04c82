package dev.lifeboat.cli;

import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lifeboat run -- app}: replicates what the app wrote, restores a missing database before the app starts, passes the exit code on. */
@QuarkusMainTest
class RunCommandTest {

    @Test
    void runReplicatesTheAppAndRestoresAMissingDatabaseBeforeTheNextStart(QuarkusMainLauncher launcher) throws Exception {
        Path dir = Files.createTempDirectory("lifeboat-run");
        Path db = dir.resolve("data/app.db");
        Path cfg = TestConfigs.write(dir, """
                destinations:
                  local: { url: 'file://%s' }
                databases:
                  app: { type: sqlite, path: %s, destination: local, sync-interval: 200ms }
                """.formatted(dir.resolve("replica"), db));

        // First start: no database, no replica. The app creates the database, writes and exits with 3.
        String write = "mkdir -p " + db.getParent() + " && sqlite3 " + db + " \"PRAGMA journal_mode=WAL; CREATE TABLE t(x);"
                + " INSERT INTO t VALUES (1),(2),(3),(4),(5);\" >/dev/null && exit 3";
        LaunchResult first = launcher.launch("run", "--config", cfg.toString(), "--", "sh", "-c", write);
        assertEquals(3, first.exitCode(), first.getOutput() + first.getErrorOutput());

        // The volume is lost; the next start must restore before the app runs (the app exits 7 only if it sees 5 rows).
        Files.delete(db);
        Files.deleteIfExists(db.resolveSibling("app.db-wal"));
        Files.deleteIfExists(db.resolveSibling("app.db-shm"));
        String check = "test \"$(sqlite3 " + db + " 'SELECT count(*) FROM t')\" = 5 && exit 7; exit 1";
        LaunchResult second = launcher.launch("run", "--config", cfg.toString(), "--", "sh", "-c", check);
        assertEquals(7, second.exitCode(), second.getOutput() + second.getErrorOutput());
        assertTrue(second.getOutput().contains("restored app"), second.getOutput());
    }

    @Test
    void aMissingProgramIsAClearError(QuarkusMainLauncher launcher) throws Exception {
        Path dir = Files.createTempDirectory("lifeboat-run");
        Path cfg = TestConfigs.write(dir, """
                destinations:
                  local: { url: 'file://%s' }
                databases:
                  app: { type: sqlite, path: %s, destination: local }
                """.formatted(dir.resolve("replica"), dir.resolve("app.db")));
        LaunchResult r = launcher.launch("run", "--config", cfg.toString(), "--", "/nonexistent/app");
        assertEquals(127, r.exitCode());
        assertTrue(r.getErrorOutput().contains("cannot start /nonexistent/app"), r.getErrorOutput());
        assertFalse(r.getErrorOutput().contains("\tat "), r.getErrorOutput());
    }
}
