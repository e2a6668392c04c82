package dev.lifeboat.drill;

import dev.lifeboat.sqlite.ReplicaLayout;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * For {@link DrillApiTest}: a SQLite database (made with the sqlite3 CLI) with a one-snapshot replica in a
 * {@code file:} destination, and a configuration with one passing and one switchable user check.
 */
public class DrillEnvironment implements QuarkusTestResourceLifecycleManager {
    static Path dir;
    static Path configFile;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("lifeboat-drill-api-");
            Path db = dir.resolve("app.db");
            ExternalProcess.run(List.of("sqlite3", db.toString(),
                    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('a'), ('b'), ('c');"),
                    Duration.ofSeconds(30));
            // The database was last written well before its snapshot: file times tick coarsely (a few ms), so a snapshot
            // written right after could carry the very same time, and the drill's live comparison rightly skips then.
            Files.setLastModifiedTime(db, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(10)));
            Path snapshot = dir.resolve("replica/app/" + ReplicaLayout.snapshotKey(ReplicaLayout.newGeneration(), 0));
            Files.createDirectories(snapshot.getParent());
            Files.write(snapshot, SqliteDrillTest.lz4(Files.readAllBytes(db)));
            String yaml = "destinations:\n  local: { url: 'file://" + dir.resolve("replica") + "' }\n"
                    + "databases:\n"
                    + "  app:\n"
                    + "    type: sqlite\n"
                    + "    path: " + db + "\n"
                    + "    destination: local\n"
                    + "    drill:\n"
                    + "      scratch-dir: " + dir.resolve("scratch") + "\n"
                    + "      checks:\n"
                    + "        three-notes: { query: 'select count(*) from notes', expect: '== 3' }\n";
            configFile = TestConfigs.write(dir, yaml);
            System.setProperty("lifeboat.config", configFile.toString());
            return Map.of();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        System.clearProperty("lifeboat.config");
    }
}
