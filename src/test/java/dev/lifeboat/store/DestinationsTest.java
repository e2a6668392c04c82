package dev.lifeboat.store;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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
}
