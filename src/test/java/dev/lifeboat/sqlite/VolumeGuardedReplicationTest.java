package dev.lifeboat.sqlite;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A database whose configured volume is not mounted (here: a plain directory of the root filesystem, exactly what
 * an app sees when fly.toml's [mounts] is missing) is neither replicated nor restored onto.
 */
class VolumeGuardedReplicationTest {
    @TempDir
    Path dir;

    private LifeboatConfig config(Path volume, Path replica) {
        return config(volume, replica, "");
    }

    /** {@code settings}: more of the database's settings, each followed by ", ". */
    private LifeboatConfig config(Path volume, Path replica, String settings) {
        return TestConfigs.parse("""
                destinations:
                  local: { url: 'file://%s' }
                databases:
                  app: { type: sqlite, path: %s, %sdestination: local }
                volumes:
                  data: { path: %s }
                """.formatted(replica, volume.resolve("app.db"), settings, volume));
    }

    @Test
    void replicationRefusesAnUnmountedVolumeAndSaysWhy() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("data"));
        Path replica = dir.resolve("replica");
        ExternalProcess.run(List.of("sqlite3", volume.resolve("app.db").toString(), "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);"),
                Duration.ofSeconds(30));
        ReplicationService service = new ReplicationService();
        try {
            service.start(config(volume, replica));
            assertTrue(service.replicators().isEmpty(), "nothing replicated from an unmounted volume");
            String refused = ((ReplicationStatus.Refused) service.status("app").orElseThrow()).refused();
            assertTrue(refused.contains("volume 'data'"), refused);
            assertFalse(Files.exists(replica) && Files.list(replica).findAny().isPresent(), "no object shipped");
            try (var files = Files.list(volume)) {
                assertEquals(List.of("app.db"), files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith("app.db-")).toList(),
                        "no shadow WAL or other state written next to the database");
            }
        } finally {
            service.stop();
        }
    }

    @Test
    void replicationStopsWhenItsVolumeIsUnmountedWhileRunning() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting needs root");
        Path volume = Files.createDirectories(dir.resolve("mnt"));
        ExternalProcess.run(List.of("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", volume.toString()), Duration.ofSeconds(30));
        Duration saved = ReplicationService.GUARD_WHILE_RUNNING;
        ReplicationService.GUARD_WHILE_RUNNING = Duration.ofMillis(100);
        ReplicationService service = new ReplicationService();
        service.registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try {
            ExternalProcess.run(List.of("sqlite3", volume.resolve("app.db").toString(), "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);"),
                    Duration.ofSeconds(30));
            service.start(config(volume, dir.resolve("replica")));
            assertEquals(1, service.replicators().size(), "a mounted volume is replicated");

            ExternalProcess.run(List.of("umount", "-l", volume.toString()), Duration.ofSeconds(30));
            for (int i = 0; i < 100 && !service.replicators().isEmpty(); i++) {
                Thread.sleep(100);
            }
            assertTrue(service.replicators().isEmpty(), "replication stopped once the volume was gone");
            ReplicationStatus status = service.status("app").orElseThrow();
            assertTrue(status instanceof ReplicationStatus.Refused refusal && refusal.refused().contains("not_mounted"), String.valueOf(status));
        } finally {
            ReplicationService.GUARD_WHILE_RUNNING = saved;
            service.stop();
            ExternalProcess.run(List.of("sh", "-c", "umount " + volume + " 2>/dev/null; true"), Duration.ofSeconds(30));
        }
    }

    /**
     * The guard halts replication when the volume goes and starts a new replicator when it is back: the meters must
     * follow the new one (Micrometer ignores a second registration of a meter, so meters bound to the first
     * replicator froze at their value at the halt while status moved on).
     */
    @Test
    void metersFollowTheReplicatorStartedAgainAfterTheVolumeCameBack() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting needs root");
        // The volume is a bind mount of a tmpfs: unmounting and mounting it again brings the same database back.
        Path backing = Files.createDirectories(dir.resolve("backing"));
        Path volume = Files.createDirectories(dir.resolve("mnt"));
        ExternalProcess.run(List.of("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", backing.toString()), Duration.ofSeconds(30));
        Duration savedWhileRunning = ReplicationService.GUARD_WHILE_RUNNING;
        Duration savedRetry = ReplicationService.GUARD_RETRY;
        ReplicationService.GUARD_WHILE_RUNNING = Duration.ofMillis(100);
        ReplicationService.GUARD_RETRY = Duration.ofMillis(200);
        ReplicationService service = new ReplicationService();
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        service.registry = registry;
        try {
            ExternalProcess.run(List.of("mount", "--bind", backing.toString(), volume.toString()), Duration.ofSeconds(30));
            ExternalProcess.run(List.of("sqlite3", volume.resolve("app.db").toString(), "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);"),
                    Duration.ofSeconds(30));
            service.start(config(volume, dir.resolve("replica"), "sync-interval: 100ms, "));
            for (int i = 0; i < 100 && syncs(service) < 3; i++) {
                Thread.sleep(100);
            }
            assertTrue(syncs(service) >= 3, "replication runs: " + service.status("app"));

            ExternalProcess.run(List.of("umount", "-l", volume.toString()), Duration.ofSeconds(30));
            for (int i = 0; i < 100 && !service.replicators().isEmpty(); i++) {
                Thread.sleep(100);
            }
            assertTrue(service.replicators().isEmpty(), "replication halted once the volume was gone");
            double atHalt = syncsMeter(registry);
            assertTrue(atHalt >= 3, "the meter counted the first replicator's syncs: " + atHalt);

            ExternalProcess.run(List.of("mount", "--bind", backing.toString(), volume.toString()), Duration.ofSeconds(30));
            for (int i = 0; i < 200 && syncs(service) < atHalt + 5; i++) {
                Thread.sleep(100);
            }
            assertEquals(1, service.replicators().size(), "replication started again: " + service.status("app"));
            long statusBefore = syncs(service);
            double meter = syncsMeter(registry);
            long statusAfter = syncs(service);
            assertTrue(meter > atHalt, "lifeboat_sqlite_syncs_total moved past " + atHalt + " after the restart, it reads " + meter
                    + " while status says " + statusAfter);
            assertTrue(statusBefore <= meter && meter <= statusAfter, "the meter (" + meter + ") and status (" + statusBefore + ".."
                    + statusAfter + ") count the same syncs");
            assertEquals(0, registry.get("lifeboat_sqlite_sync_errors_total").tag("database", "app").functionCounter().count());
        } finally {
            ReplicationService.GUARD_WHILE_RUNNING = savedWhileRunning;
            ReplicationService.GUARD_RETRY = savedRetry;
            service.stop();
            ExternalProcess.run(List.of("sh", "-c", "umount -l " + volume + " 2>/dev/null; umount -l " + backing + " 2>/dev/null; true"),
                    Duration.ofSeconds(30));
        }
    }

    /** Syncs status reports for {@code app}, 0 while it is not replicated. */
    private static long syncs(ReplicationService service) {
        return service.status("app").orElseThrow() instanceof ReplicationStatus.Replicating r ? r.syncs() : 0;
    }

    private static double syncsMeter(io.micrometer.core.instrument.MeterRegistry registry) {
        return registry.get("lifeboat_sqlite_syncs_total").tag("database", "app").functionCounter().count();
    }

    @Test
    void restoreRefusesAnUnmountedVolume() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("data"));
        UserFacingException e = assertThrows(UserFacingException.class, () -> new SqliteRestoreService()
                .restore(config(volume, dir.resolve("replica")), "app", volume.resolve("app.db"), null, null, null, false, true));
        assertTrue(e.getMessage().startsWith("refusing to replicate or restore"), e.getMessage());
        assertFalse(Files.exists(volume.resolve("app.db")), "nothing written onto the unmounted path");
    }
}
