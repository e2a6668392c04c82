package dev.lifeboat.volume;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.lifeboat.LifeboatMain;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Fly volume checks against a WireMock stub that answers like the Machines API documents
 * (GET /v1/apps/{app}/volumes and /v1/apps/{app}/volumes/{id}/snapshots: bare JSON arrays, snake_case fields).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlyVolumeCheckTest {
    static final String TOKEN = "FlyV1 fm2_secret-token-never-printed";
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private WireMockServer fly;

    @BeforeAll
    void start() {
        fly = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        fly.start();
    }

    @AfterAll
    void stop() {
        if (fly != null) {
            fly.stop();
        }
    }

    @BeforeEach
    void reset() {
        fly.resetAll();
    }

    static String volume(String id, String name, String machine, int retention) {
        return """
                {"id": "%s", "name": "%s", "state": "created", "size_gb": 3, "region": "ams", "zone": "b6a7",
                 "encrypted": true, "attached_machine_id": %s, "attached_alloc_id": null,
                 "created_at": "2026-11-01T09:30:12.123Z", "blocks": 763971, "block_size": 4096, "blocks_free": 760000,
                 "blocks_avail": 720000, "fstype": "ext4", "snapshot_retention": %d, "auto_backup_enabled": true,
                 "host_dedication_key": ""}""".formatted(id, name, machine == null ? "null" : "\"" + machine + "\"", retention);
    }

    static String snapshot(String id, Instant created, String status) {
        return """
                {"id": "%s", "created_at": "%s", "digest": "sha256:4f2a", "retention_days": 5, "size": 52428800,
                 "status": "%s", "volume_size": 3221225472}""".formatted(id, created, status);
    }

    private void volumes(String... items) {
        fly.stubFor(get(urlEqualTo("/v1/apps/shop/volumes")).willReturn(okJson("[" + String.join(",", items) + "]")));
    }

    private void snapshots(String volumeId, String... items) {
        fly.stubFor(get(urlEqualTo("/v1/apps/shop/volumes/" + volumeId + "/snapshots")).willReturn(okJson("[" + String.join(",", items) + "]")));
    }

    private LifeboatConfig config(String volumeYaml) {
        return TestConfigs.parse("""
                fly: {api-url: "%s", app: shop, api-token: "%s"}
                volumes:
                  data: %s
                """.formatted(fly.baseUrl(), TOKEN, volumeYaml));
    }

    private FlyVolumeCheck.Result run(LifeboatConfig config, String machine) {
        FlyMachinesClient client = FlyMachinesClient.Settings.from(config.fly(), java.util.Map.of()).map(FlyMachinesClient::new).orElseThrow();
        return FlyVolumeCheck.run("data", config.volumes().get("data"), client, machine, NOW);
    }

    private static List<Condition.Kind> kinds(FlyVolumeCheck.Result r) {
        return r.conditions().stream().map(Condition::kind).toList();
    }

    @Test
    void attachedVolumeWithAFreshSnapshotPasses() {
        volumes(volume("vol_other", "logs", "m-other", 5), volume("vol_data1", "data", "m-this", 5));
        snapshots("vol_data1", snapshot("vs_old", NOW.minus(Duration.ofDays(2)), "created"), snapshot("vs_new", NOW.minus(Duration.ofHours(3)), "created"));
        FlyVolumeCheck.Result r = run(config("{path: /data, fly-volume: data}"), "m-this");
        assertEquals(List.of(), r.conditions());
        assertEquals("vol_data1", r.findings().volumeId());
        assertEquals("m-this", r.findings().attachedMachineId());
        assertEquals(NOW.minus(Duration.ofHours(3)), r.findings().newestSnapshotAt());
        assertEquals(Duration.ofDays(5), r.findings().snapshotMaxAge(), "default: the volume's own snapshot_retention");
        fly.verify(getRequestedFor(urlEqualTo("/v1/apps/shop/volumes")).withHeader("Authorization", equalTo("Bearer " + TOKEN)));
    }

    @Test
    void withoutANameTheVolumeAttachedToThisMachineIsChecked() {
        volumes(volume("vol_a", "pg_data", "m-other", 5), volume("vol_b", "pg_data", "m-this", 5));
        snapshots("vol_b", snapshot("vs_1", NOW.minus(Duration.ofHours(20)), "created"));
        FlyVolumeCheck.Result r = run(config("{path: /data}"), "m-this");
        assertEquals(List.of(), r.conditions());
        assertEquals("vol_b", r.findings().volumeId());
    }

    @Test
    void missingVolume() {
        volumes(volume("vol_other", "logs", "m-this", 5));
        FlyVolumeCheck.Result r = run(config("{path: /data, fly-volume: data}"), "m-this");
        assertEquals(List.of(Condition.Kind.FLY_VOLUME_MISSING), kinds(r));
        assertTrue(r.conditions().get(0).reason().contains("fly volumes create data"), r.conditions().get(0).reason());
    }

    @Test
    void volumeAttachedToAnotherMachineOrToNone() {
        volumes(volume("vol_data1", "data", "m-other", 5));
        FlyVolumeCheck.Result local = run(config("{path: /data, fly-volume: data}"), "m-this");
        assertEquals(List.of(Condition.Kind.FLY_VOLUME_NOT_ATTACHED), kinds(local));
        assertTrue(local.conditions().get(0).reason().contains("attached to machine m-other, not to this machine m-this"));

        fly.resetAll();
        volumes(volume("vol_data1", "data", null, 5));
        FlyVolumeCheck.Result remote = run(config("{path: /data, fly-volume: data, local: false}"), "m-this");
        assertEquals(List.of(Condition.Kind.FLY_VOLUME_NOT_ATTACHED), kinds(remote));
        assertTrue(remote.conditions().get(0).reason().contains("not attached to any machine"));
    }

    @Test
    void snapshotsOlderThanRetentionOrMaxAgeAreStale() {
        volumes(volume("vol_data1", "data", "m-this", 2));
        snapshots("vol_data1", snapshot("vs_1", NOW.minus(Duration.ofDays(3)), "created"),
                snapshot("vs_failed", NOW.minus(Duration.ofHours(1)), "failed"));
        FlyVolumeCheck.Result byRetention = run(config("{path: /data, fly-volume: data}"), "m-this");
        assertEquals(List.of(Condition.Kind.FLY_SNAPSHOT_STALE), kinds(byRetention), "a failed snapshot does not count");
        assertTrue(byRetention.conditions().get(0).reason().contains("older than 2d"), byRetention.conditions().get(0).reason());

        fly.resetAll();
        volumes(volume("vol_data1", "data", "m-this", 5));
        snapshots("vol_data1", snapshot("vs_1", NOW.minus(Duration.ofHours(30)), "created"));
        assertEquals(List.of(Condition.Kind.FLY_SNAPSHOT_STALE), kinds(run(config("{path: /data, fly-volume: data, snapshot-max-age: 26h}"), "m-this")));
        assertEquals(List.of(), kinds(run(config("{path: /data, fly-volume: data}"), "m-this")));

        fly.resetAll();
        volumes(volume("vol_data1", "data", "m-this", 5));
        snapshots("vol_data1");
        FlyVolumeCheck.Result none = run(config("{path: /data, fly-volume: data}"), "m-this");
        assertEquals(List.of(Condition.Kind.FLY_SNAPSHOT_STALE), kinds(none));
        assertTrue(none.conditions().get(0).reason().contains("has no snapshot"));
    }

    @Test
    void refusedTokenIsAnErrorThatNeverShowsTheToken() {
        fly.stubFor(get(urlEqualTo("/v1/apps/shop/volumes")).willReturn(aResponse().withStatus(401)
                .withBody("{\"error\": \"token " + TOKEN + " is not valid\"}")));
        FlyVolumeCheck.Result r = run(config("{path: /data, fly-volume: data}"), "m-this");
        assertEquals(List.of(Condition.Kind.FLY_API_ERROR), kinds(r));
        assertTrue(r.conditions().get(0).reason().contains("HTTP 401"));
        assertFalse(r.toString().contains("secret-token"), r.toString());

        fly.stubFor(get(urlEqualTo("/v1/apps/shop/volumes")).willReturn(aResponse().withStatus(500).withBody("echo " + TOKEN)));
        FlyVolumeCheck.Result echoed = run(config("{path: /data, fly-volume: data}"), "m-this");
        assertFalse(echoed.toString().contains("secret-token"), echoed.toString());
        assertNull(FlyMachinesClient.Settings.from(config("{path: /data}").fly(), java.util.Map.of()).map(Object::toString)
                .filter(s -> s.contains("secret")).orElse(null));
    }

    @Test
    void theVolumesCommandReportsFlyFindingsAsJsonWithoutTheToken(@TempDir Path dir) {
        volumes(volume("vol_data1", "data", "m-this", 5));
        snapshots("vol_data1", snapshot("vs_1", Instant.now().minus(Duration.ofDays(9)), "created"));
        Path file = TestConfigs.write(dir, """
                fly: {api-url: "%s", app: shop, api-token: "%s"}
                volumes:
                  pg: {path: /data, fly-volume: data, local: false}
                """.formatted(fly.baseUrl(), TOKEN));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LifeboatMain.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("volumes", "--json", "--config", file.toString());
        assertEquals(1, code, out + " " + err);
        assertTrue(out.toString().contains("\"volumeId\" : \"vol_data1\""), out.toString());
        assertTrue(out.toString().contains("fly_snapshot_stale"), out.toString());
        assertFalse(out.toString().contains("secret-token") || err.toString().contains("secret-token"));

        snapshots("vol_data1", snapshot("vs_2", Instant.now().minus(Duration.ofHours(1)), "created"));
        StringWriter text = new StringWriter();
        assertEquals(0, LifeboatMain.commandLine().setOut(new PrintWriter(text))
                .execute("volumes", "--config", file.toString()), text.toString());
        assertTrue(text.toString().startsWith("ok   pg /data"), text.toString());
    }
}
