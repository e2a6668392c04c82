package dev.lifeboat.postgres;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGKILL of the agent in the middle of an upload: nothing listed, and the next run leaves no multipart upload. */
class PgBackupKillTest {
    @TempDir
    Path dir;

    @Test
    void killedMidUploadLeavesNothingListedAndTheNextRunCleansUp() throws Exception {
        try (PostgresServer pg = PostgresServer.start(); S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("backups");
            pg.createDatabase("app");
            pg.sql("app", "CREATE TABLE blobs (id int, payload bytea)",
                    "INSERT INTO blobs SELECT g, decode(string_agg(md5(random()::text || h), ''), 'hex') "
                            + "FROM generate_series(1, 2000) g, generate_series(1, 256) h GROUP BY g");
            String yaml = "destinations:\n" + s3.destinationYaml("main", "backups", "kill") + "    part-size: 5MiB\n"
                    + "databases:\n  app:\n    type: postgres\n    url: " + pg.url("app") + "\n    destination: main\n    compression: none\n";
            Path config = TestConfigs.write(dir, yaml);
            Path marker = dir.resolve("paused");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    BackupChild.class.getName(), config.toString(), "app", String.valueOf(6L * 1024 * 1024), marker.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
            try {
                for (int i = 0; i < 1200 && !Files.exists(marker); i++) {
                    assertTrue(child.isAlive(), () -> "the backup process ended early: " + read(dir.resolve("child.log")));
                    Thread.sleep(100);
                }
                assertTrue(Files.exists(marker), "the backup never reached the middle of its upload");
                assertEquals(1, S3Uploads.open(s3, "backups"), "a multipart upload is in progress");
            } finally {
                child.destroyForcibly(); // SIGKILL: no finally blocks, no abort
                child.waitFor(30, TimeUnit.SECONDS);
            }
            LifeboatConfig parsed = TestConfigs.parse(yaml);
            BackupCatalog catalog = new BackupCatalog(PgFixtures.store(parsed, "app"));
            assertEquals(List.of(), catalog.list(), "a killed backup is not listed");
            assertEquals(1, S3Uploads.open(s3, "backups"), "SIGKILL leaves the multipart upload open");

            Manifest next = PgFixtures.backup(parsed, "app").run();
            assertEquals(0, S3Uploads.open(s3, "backups"), "the next run removed the leftover upload");
            assertEquals(List.of(next.id()), catalog.list().stream().map(Manifest::id).toList());
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
