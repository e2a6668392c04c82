package dev.lifeboat.drill;

import dev.lifeboat.sqlite.ReplicaLayout;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * For {@link DrillScheduleTest}: SQLite databases (made with the sqlite3 CLI) replicated to a {@code file:}
 * destination, each in the state a scheduled-drill rule is about, and a configuration that leaves the schedules and
 * max-age at their defaults:
 * <ul>
 *   <li>{@code app}: a snapshot, never drilled, {@code first-delay: 1s};</li>
 *   <li>{@code empty}: nothing replicated yet, never drilled, {@code first-delay: 1s};</li>
 *   <li>{@code manual}: {@code drill.enabled: false}, never drilled;</li>
 *   <li>{@code old}: its newest passing drill 40 and a half days old;</li>
 *   <li>{@code fresh}: its newest passing drill an hour old.</li>
 * </ul>
 */
public class DrillScheduleEnvironment implements QuarkusTestResourceLifecycleManager {
    static Path dir;
    static DrillRecord old;
    static DrillRecord fresh;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("lifeboat-drill-schedule-");
            for (String name : List.of("app", "empty", "manual", "old", "fresh")) {
                ExternalProcess.run(List.of("sqlite3", dir.resolve(name + ".db").toString(),
                        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('a'), ('b');"),
                        Duration.ofSeconds(30));
            }
            snapshot("app");
            Instant now = Instant.now();
            old = passed("old", now.minus(Duration.ofDays(40).plusHours(12)));
            fresh = passed("fresh", now.minus(Duration.ofHours(1)));
            String yaml = "destinations:\n  local: { url: 'file://" + dir.resolve("replica") + "' }\n"
                    + "databases:\n"
                    + database("app", "first-delay: 1s")
                    + database("empty", "first-delay: 1s")
                    + database("manual", "enabled: false")
                    + database("old", "first-delay: 1h")
                    + database("fresh", "first-delay: 1s")
                    + "alerts: { state-dir: " + dir.resolve("alert-state") + " }\n";
            System.setProperty("lifeboat.config", TestConfigs.write(dir, yaml).toString());
            return Map.of();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String database(String name, String drillSetting) {
        return "  " + name + ":\n    type: sqlite\n    path: " + dir.resolve(name + ".db") + "\n    destination: local\n"
                + "    drill: { scratch-dir: " + dir.resolve("scratch") + ", " + drillSetting + " }\n";
    }

    /** The database's current file as the first snapshot of a new generation, as replication would store it. */
    static void snapshot(String name) throws Exception {
        Path snapshot = dir.resolve("replica/" + name + "/" + ReplicaLayout.snapshotKey(ReplicaLayout.newGeneration(), 0));
        Files.createDirectories(snapshot.getParent());
        Files.write(snapshot, SqliteDrillTest.lz4(Files.readAllBytes(dir.resolve(name + ".db"))));
    }

    /** A passing drill record in the database's history, as a drill at {@code startedAt} would have left it. */
    private static DrillRecord passed(String name, Instant startedAt) throws Exception {
        String id = "20200101T000000Z-" + name;
        DrillRecord r = new DrillRecord(id, name, "sqlite", "schedule", DrillRecord.PASSED, "g/00000000", startedAt.minusSeconds(60),
                startedAt, startedAt.plusSeconds(2), 500L, 2000, 60L, 100, 8192, "scratch", null, List.of());
        Path file = dir.resolve("replica/" + name + "/" + DrillHistory.key(id));
        Files.createDirectories(file.getParent());
        Files.write(file, DrillHistory.JSON.writeValueAsBytes(r));
        return r;
    }

    @Override
    public void stop() {
        System.clearProperty("lifeboat.config");
    }
}
