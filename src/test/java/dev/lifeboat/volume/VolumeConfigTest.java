package dev.lifeboat.volume;

import dev.lifeboat.config.FlyConfig;
import dev.lifeboat.config.InvalidConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The volume and fly keys: defaults, validation messages naming the key, and the Fly settings' fallbacks. */
class VolumeConfigTest {
    @Test
    void defaults() {
        LifeboatConfig c = TestConfigs.parse("volumes: {data: {path: /data}}");
        var v = c.volumes().get("data");
        assertTrue(v.local() && v.requireMount());
        assertEquals(Duration.ofSeconds(30), v.checkInterval());
        assertEquals(Duration.ofSeconds(1), v.maxFsyncLatency());
        assertEquals(Duration.ofMinutes(5), v.flyCheckInterval());
        assertTrue(v.databases().isEmpty() && v.flyVolume().isEmpty() && v.snapshotMaxAge().isEmpty() && v.minTimeToFull().isEmpty());
    }

    @Test
    void mistakesNameTheirKeys() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse("""
                destinations: {local: {url: "file:///tmp/r"}}
                databases:
                  pg: {type: postgres, url: "postgres://u@h/db", destination: local}
                volumes:
                  data: {path: /data, databases: [nope, pg], max-fsync-latency: 0s, min-free: lots}
                  remote: {path: /pg, local: false}
                fly: {api-url: "ftp://x"}
                """));
        String all = e.problems().toString();
        assertTrue(all.contains("volumes.data.databases[0]: no database named 'nope'"), all);
        assertTrue(all.contains("volumes.data.databases[1]: 'pg' is a postgres database"), all);
        assertTrue(all.contains("volumes.data.max-fsync-latency: must be a positive duration"), all);
        assertTrue(all.contains("volumes.data.min-free: 'lots' is not a threshold"), all);
        assertTrue(all.contains("volumes.remote.fly-volume"), all);
        assertTrue(all.contains("fly.api-url"), all);
    }

    @Test
    void flySettingsComeFromTheEnvironmentUnlessConfigured() {
        FlyConfig none = TestConfigs.parse("volumes: {}").fly();
        assertTrue(FlyMachinesClient.Settings.from(none, Map.of("FLY_APP_NAME", "shop")).isEmpty(), "no token: no Fly checks");
        var env = FlyMachinesClient.Settings.from(none, Map.of("FLY_APP_NAME", "shop", "FLY_API_TOKEN", "t0k3n")).orElseThrow();
        assertEquals(FlyConfig.DEFAULT_API_URL, env.baseUrl());
        assertEquals("shop", env.app());
        var hostname = FlyMachinesClient.Settings.from(none, Map.of("FLY_APP_NAME", "shop", "FLY_API_TOKEN", "t0k3n",
                "FLY_API_HOSTNAME", "https://api.machines.dev/")).orElseThrow();
        assertEquals("https://api.machines.dev", hostname.baseUrl());
        assertTrue(!hostname.toString().contains("t0k3n"), hostname.toString());
        FlyConfig explicit = TestConfigs.parse("fly: {api-url: \"http://127.0.0.1:1\", app: other, api-token: abc}").fly();
        var s = FlyMachinesClient.Settings.from(explicit, Map.of("FLY_APP_NAME", "shop", "FLY_API_TOKEN", "t0k3n")).orElseThrow();
        assertEquals("http://127.0.0.1:1", s.baseUrl());
        assertEquals("other", s.app());
        assertEquals("abc", s.token());
    }
}
