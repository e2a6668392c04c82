package dev.lifeboat.store;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.testing.LogCapture;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DestinationsTest {
    @TempDir
    Path dir;

    private static String yaml(Path replica) {
        return "destinations:\n  local: { url: 'file://" + replica + "' }\n";
    }

    @Test
    void storesFollowTheInstalledConfigurationNotAnEarlierDefault() throws Exception {
        Destinations destinations = new Destinations();
        destinations.config = new ActiveConfig();
        destinations.config.install(Path.of("default.yml"), TestConfigs.parse(yaml(dir.resolve("default-replica"))));
        ObjectStore early = destinations.store("local");
        assertSame(early, destinations.store("local"), "opened once per configuration");

        destinations.config.install(Path.of("mine.yml"), TestConfigs.parse(yaml(dir.resolve("my-replica"))));
        assertEquals(dir.resolve("my-replica").toUri() + "/", destinations.store("local").describe());
    }

    /** The background check runs every 30 s: an unreachable destination is logged when found so and when back, not at every check. */
    @Test
    void anUnreachableDestinationIsLoggedOnceAndWhenItIsBack() throws Exception {
        Path replica = dir.resolve("replica");
        Destinations destinations = new Destinations();
        destinations.config = new ActiveConfig();
        destinations.config.install(Path.of("mine.yml"), TestConfigs.parse(yaml(replica)));
        assertTrue(destinations.checkAll().get("local").reachable());
        Files.delete(replica); // what an unmounted disk or a wiped directory looks like
        try (LogCapture log = LogCapture.of(Destinations.class)) {
            for (int i = 0; i < 5; i++) {
                assertFalse(destinations.checkAll().get("local").reachable());
            }
            List<String> failed = log.lines(Level.WARNING, "destination local: check failed");
            assertEquals(1, failed.size(), "the first failed check is logged, the next four are not: " + failed);
            assertTrue(failed.getFirst().contains("not a writable directory"), failed.getFirst());

            Files.createDirectories(replica);
            assertTrue(destinations.checkAll().get("local").reachable());
            assertTrue(destinations.checkAll().get("local").reachable());
            List<String> recovered = log.lines(Level.INFO, "destination local: check recovered after 5 failure(s)");
            assertEquals(1, recovered.size(), "the recovery is logged once: " + recovered);
        }
    }
}
