package dev.lifeboat.drill;

import dev.lifeboat.sqlite.ReplicaLayout;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lifeboat drill DB [--json]} as a user runs it: the report, exit 0 on a pass, 1 on a failure. */
@QuarkusMainTest
class DrillCommandTest {

    static Path setUp(String expect) throws Exception {
        Path dir = Files.createTempDirectory("lifeboat-drill-cli-");
        Path db = dir.resolve("app.db");
        ExternalProcess.run(List.of("sqlite3", db.toString(), "CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);"), Duration.ofSeconds(30));
        Path snapshot = dir.resolve("replica/app/" + ReplicaLayout.snapshotKey(ReplicaLayout.newGeneration(), 0));
        Files.createDirectories(snapshot.getParent());
        Files.write(snapshot, SqliteDrillTest.lz4(Files.readAllBytes(db)));
        return TestConfigs.write(dir, "destinations:\n  local: { url: 'file://" + dir.resolve("replica") + "' }\n"
                + "databases:\n  app:\n    type: sqlite\n    path: " + db + "\n    destination: local\n"
                + "    drill:\n      scratch-dir: " + dir.resolve("scratch") + "\n"
                + "      checks:\n        rows: { query: 'select count(*) from t', expect: '" + expect + "' }\n");
    }

    @Test
    void passingDrillPrintsTheReportAndExitsZero(QuarkusMainLauncher launcher) throws Exception {
        Path config = setUp(">= 2");
        LaunchResult result = launcher.launch("drill", "app", "--config", config.toString());
        assertEquals(0, result.exitCode(), result.getOutput() + result.getErrorOutput());
        assertTrue(result.getOutput().contains("of app (sqlite): PASSED"), result.getOutput());
        assertTrue(result.getOutput().contains("ok   rows: check 'rows' passed: 2 >= 2"), result.getOutput());

        LaunchResult json = launcher.launch("drill", "app", "--json", "--config", config.toString());
        assertEquals(0, json.exitCode());
        assertTrue(json.getOutput().contains("\"outcome\" : \"passed\""), json.getOutput());
    }

    @Test
    void failingDrillExitsOneNamingTheCheckAndValue(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult result = launcher.launch("drill", "app", "--config", setUp("== 5").toString());
        assertEquals(1, result.exitCode());
        assertTrue(result.getOutput().contains("FAIL rows: check 'rows' failed: expected == 5, saw 2"), result.getOutput());
        assertFalse(result.getErrorOutput().contains("\tat "), "no stack trace: " + result.getErrorOutput());
    }

    @Test
    void unknownDatabaseExitsOne(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult result = launcher.launch("drill", "nope", "--config", setUp(">= 1").toString());
        assertEquals(1, result.exitCode());
        assertTrue(result.getErrorOutput().contains("no database named 'nope'"), result.getErrorOutput());
    }
}
