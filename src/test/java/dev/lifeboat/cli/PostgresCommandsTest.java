package dev.lifeboat.cli;

import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backup}, {@code list}, {@code restore} and {@code prune} for a postgres database, as a user runs them. */
@QuarkusMainTest
class PostgresCommandsTest {
    static PostgresServer pg;
    static S3ProxyServer s3;
    static Path config;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.start();
        s3 = S3ProxyServer.start();
        s3.createBucket("backups");
        pg.createDatabase("shop");
        pg.sql("shop", "CREATE TABLE items (id int PRIMARY KEY, name text)", "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g");
        config = TestConfigs.write(Files.createTempDirectory("pgcli"), "destinations:\n" + s3.destinationYaml("main", "backups", "cli")
                + "databases:\n  shop:\n    type: postgres\n    url: " + pg.url("shop") + "\n    destination: main\n"
                + "    retention: { keep-last: 1, keep-daily: 0, keep-weekly: 0, keep-monthly: 0 }\n");
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void backupListRestorePrune(QuarkusMainLauncher launcher) {
        LaunchResult first = launcher.launch("backup", "--config", config.toString(), "shop");
        assertEquals(0, first.exitCode(), first.getErrorOutput());
        Matcher id = Pattern.compile("backup (\\S+) of shop: ").matcher(first.getOutput());
        assertTrue(id.find(), first.getOutput());

        LaunchResult list = launcher.launch("list", "--config", config.toString(), "shop", "--json");
        assertEquals(0, list.exitCode(), list.getErrorOutput());
        assertTrue(list.getOutput().contains("\"id\" : \"" + id.group(1) + "\""), list.getOutput());
        assertTrue(list.getOutput().contains("\"table\" : \"items\""), list.getOutput());

        LaunchResult restore = launcher.launch("restore", "--config", config.toString(), "shop", "--to", pg.url("shop_copy"), "--backup", id.group(1));
        assertEquals(0, restore.exitCode(), restore.getErrorOutput());
        assertTrue(restore.getOutput().contains("(created)"), restore.getOutput());
        String count = ExternalProcess.run(List.of("psql", "-tA", pg.url("shop_copy"), "-c", "SELECT count(*) FROM items"), Duration.ofSeconds(30));
        assertEquals("500", count.trim());

        LaunchResult refused = launcher.launch("restore", "--config", config.toString(), "shop", "--to", pg.url("shop_copy"));
        assertEquals(1, refused.exitCode());
        assertTrue(refused.getErrorOutput().contains("not empty"), refused.getErrorOutput());
        assertFalse(refused.getErrorOutput().contains("\tat "), "no stack trace");

        // A second backup; retention (keep-last 1) runs after it and removes the first.
        LaunchResult second = launcher.launch("backup", "--config", config.toString(), "shop");
        assertEquals(0, second.exitCode(), second.getErrorOutput());
        LaunchResult after = launcher.launch("list", "--config", config.toString(), "shop");
        assertFalse(after.getOutput().contains(id.group(1)), after.getOutput());
        LaunchResult prune = launcher.launch("prune", "--config", config.toString(), "shop", "--dry-run");
        assertEquals(0, prune.exitCode(), prune.getErrorOutput());
        assertTrue(prune.getOutput().contains("1 kept, 0 to delete"), prune.getOutput());
    }

    @Test
    void unknownDatabaseAndMissingTarget(QuarkusMainLauncher launcher) {
        LaunchResult unknown = launcher.launch("backup", "--config", config.toString(), "nope");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.getErrorOutput().contains("no database named 'nope'"), unknown.getErrorOutput());
        LaunchResult noTarget = launcher.launch("restore", "--config", config.toString(), "shop");
        assertEquals(1, noTarget.exitCode());
        assertTrue(noTarget.getErrorOutput().contains("needs --to URL"), noTarget.getErrorOutput());
    }
}
