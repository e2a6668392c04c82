package dev.lifeboat.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.lifeboat.alert.AlertsStatus;
import dev.lifeboat.alert.OutboxView;
import dev.lifeboat.alert.Verdict;
import dev.lifeboat.drill.DrillOverview;
import dev.lifeboat.postgres.BackupStatus;
import dev.lifeboat.sqlite.ReplicationStatus;
import dev.lifeboat.volume.VolumeStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The status records keep the JSON the map-built status had: declared field order, fields that do not apply left out,
 * unknown values written as null where clients expect the key, unwrapped parts inline.
 */
class StatusJsonTest {
    /** Configured like Quarkus' mapper: ISO-8601 times. */
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Instant T = Instant.parse("2026-01-02T03:04:05.123456789Z");

    @Test
    void aRefusedSqliteDatabaseShowsOnlyWhyAndNoPostgresFields() throws Exception {
        var db = new DatabaseStatus("sqlite", "local", "/data/app.db", null, null, null, "PT1S", false,
                new ReplicationStatus.Refused("volume 'data' is not mounted"), null, null, null, null, null, null, null);
        assertEquals("{\"type\":\"sqlite\",\"destination\":\"local\",\"path\":\"/data/app.db\",\"syncInterval\":\"PT1S\","
                + "\"encrypted\":false,\"replication\":{\"refused\":\"volume 'data' is not mounted\"}}", JSON.writeValueAsString(db));
    }

    @Test
    void aDamagedReplicaSaysSoAndNamesWhatIsMissing() throws Exception {
        var audit = new dev.lifeboat.audit.AuditStatus(T, false, "backup 20260102T030405Z-ab12", null, null,
                java.util.List.of("data/20260102T030405Z-ab12.dump.zst: missing (backup 20260102T030405Z-ab12)"), null, null);
        assertEquals("{\"checkedAt\":\"2026-01-02T03:04:05.123456789Z\",\"restorable\":false,\"newest\":\"backup 20260102T030405Z-ab12\","
                + "\"problems\":[\"data/20260102T030405Z-ab12.dump.zst: missing (backup 20260102T030405Z-ab12)\"]}", JSON.writeValueAsString(audit));
    }

    @Test
    void aPostgresBackupWritesUnknownValuesAsNull() throws Exception {
        var backup = new BackupStatus(false, null, null, null, null, null, T, "cannot connect", 1, null, 0, null);
        assertEquals("{\"running\":false,\"lastSuccessAt\":null,\"lastBackupId\":null,\"lastDurationSeconds\":null,"
                + "\"lastStoredBytes\":null,\"lastRawBytes\":null,\"lastFailureAt\":\"2026-01-02T03:04:05.123456789Z\","
                + "\"lastFailure\":\"cannot connect\",\"consecutiveFailures\":1,\"nextRunAt\":null,\"skippedTicks\":0}",
                JSON.writeValueAsString(backup));
    }

    @Test
    void aDrillEntryHasItsOutcomesInlineAndOnlyOnceThereAreAny() throws Exception {
        assertEquals("{\"nextRunAt\":\"2026-01-02T03:04:05.123456789Z\"}", JSON.writeValueAsString(new DrillOverview(T, null, null)));
        var never = new DrillOverview(null, null, new DrillOverview.Outcomes(null, null, 0, false));
        assertEquals("{\"lastSuccessAt\":null,\"consecutiveFailures\":0,\"failing\":false}", JSON.writeValueAsString(never));
    }

    @Test
    void aVolumeEntryIsItsConfigurationThenItsCheckInline() throws Exception {
        var unchecked = new VolumeEntry("/data", true, false, null);
        assertEquals("{\"path\":\"/data\",\"requireMount\":true,\"checked\":false}", JSON.writeValueAsString(unchecked));
        var check = new VolumeStatus(false, T, 1, false, "/", "ext4", "/dev/vda", false, null, null, null, null, null, null, null,
                null, List.of(), null, List.of(new VolumeStatus.Failing("not_mounted", "critical", "not a mount")));
        // Any ObjectMapper writes the times as text: the CLI's has no time module.
        assertEquals("{\"path\":\"/data\",\"requireMount\":true,\"healthy\":false,\"checkedAt\":\"2026-01-02T03:04:05.123456789Z\","
                + "\"sequence\":1,\"mounted\":false,\"mountPoint\":\"/\",\"fsType\":\"ext4\",\"source\":\"/dev/vda\",\"readOnly\":false,"
                + "\"databases\":[],\"failing\":[{\"condition\":\"not_mounted\",\"severity\":\"critical\",\"reason\":\"not a mount\"}]}",
                new ObjectMapper().writeValueAsString(new VolumeEntry("/data", true, null, check)));
    }

    @Test
    void theVerdictComesRightAfterTheApiVersion() throws Exception {
        var reason = new Verdict.Reason("volume-low-space", "data", "critical", "volume data has 0 B free", T);
        var doc = new StatusDocument("v1", Verdict.Status.FAILING, List.of(reason), T, T, Map.of(), "3.54.1",
                new StatusDocument.ConfigFile("/etc/lifeboat.yml", true, null), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), null);
        assertEquals("{\"apiVersion\":\"v1\",\"status\":\"failing\",\"reasons\":[{\"rule\":\"volume-low-space\",\"subject\":\"data\","
                + "\"severity\":\"critical\",\"summary\":\"volume data has 0 B free\",\"since\":\"2026-01-02T03:04:05.123456789Z\"}],"
                + "\"startedAt\":\"2026-01-02T03:04:05.123456789Z\",\"now\":\"2026-01-02T03:04:05.123456789Z\",\"fly\":{},\"sqliteVersion\":\"3.54.1\","
                + "\"config\":{\"file\":\"/etc/lifeboat.yml\",\"valid\":true},\"destinations\":{},\"databases\":{},\"volumes\":{}}",
                JSON.writeValueAsString(doc));
        var ok = new StatusDocument("v1", Verdict.Status.OK, List.of(), T, T, Map.of(), "3.54.1",
                new StatusDocument.ConfigFile("/etc/lifeboat.yml", true, null), null, null, null, null);
        assertEquals("{\"apiVersion\":\"v1\",\"status\":\"ok\",\"reasons\":[],\"startedAt\"", JSON.writeValueAsString(ok).substring(0, 57),
                "reasons is an empty list when ok, never absent");
    }

    @Test
    void theAlertsSectionEndsWithPersistenceAndTheHeartbeatOnlyWhenConfigured() throws Exception {
        var outbox = new OutboxView(0, 0, List.of(), List.of());
        var failing = new AlertsStatus.Running(List.of(), 0, T, 1, outbox,
                new AlertsStatus.Persistence(false, "cannot write /data/alerts/alerts.json: No space left on device", T), null);
        assertEquals("{\"firing\":[],\"pending\":0,\"lastEvaluatedAt\":\"2026-01-02T03:04:05.123456789Z\",\"sinks\":1,"
                + "\"outbox\":{\"pending\":0,\"failed\":0,\"pendingDeliveries\":[],\"failedDeliveries\":[]},"
                + "\"persistence\":{\"ok\":false,\"error\":\"cannot write /data/alerts/alerts.json: No space left on device\","
                + "\"since\":\"2026-01-02T03:04:05.123456789Z\"}}", JSON.writeValueAsString(failing));
        var fine = new AlertsStatus.Running(List.of(), 0, null, 0, outbox, new AlertsStatus.Persistence(true, null, null), null);
        assertEquals("{\"firing\":[],\"pending\":0,\"lastEvaluatedAt\":null,\"sinks\":0,"
                + "\"outbox\":{\"pending\":0,\"failed\":0,\"pendingDeliveries\":[],\"failedDeliveries\":[]},\"persistence\":{\"ok\":true}}",
                JSON.writeValueAsString(fine));
    }
}
