package dev.lifeboat.alert;

import dev.lifeboat.alert.BackupJobBridge.JobEvent;
import dev.lifeboat.alert.BackupJobBridge.Observation;
import dev.lifeboat.alert.Notification.Kind;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupJobBridgeTest {
    static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");

    @Test
    void startSuccessFailurePairedByRunId() {
        BackupJobBridge b = new BackupJobBridge();
        assertTrue(b.observe("backup", "shop", new Observation(false, T0, null, null)).isEmpty(), "first look is a baseline");
        assertTrue(b.observe("backup", "shop", new Observation(false, T0, null, null)).isEmpty());
        List<JobEvent> start = b.observe("backup", "shop", new Observation(true, T0, null, null));
        assertEquals(List.of(Kind.JOB_STARTED), start.stream().map(JobEvent::kind).toList());
        List<JobEvent> done = b.observe("backup", "shop", new Observation(false, T0.plusSeconds(60), null, null));
        assertEquals(List.of(Kind.JOB_SUCCEEDED), done.stream().map(JobEvent::kind).toList());
        assertEquals(start.getFirst().runId(), done.getFirst().runId());
        List<JobEvent> quickFail = b.observe("backup", "shop", new Observation(false, T0.plusSeconds(60), T0.plusSeconds(90), "pg_dump: connection refused"));
        assertEquals(List.of(Kind.JOB_FAILED), quickFail.stream().map(JobEvent::kind).toList(), "a run seen only by its end");
        assertTrue(quickFail.getFirst().message().contains("connection refused"));
        assertTrue(b.observe("backup", "shop", new Observation(false, T0.plusSeconds(60), T0.plusSeconds(90), "pg_dump: connection refused")).isEmpty());
    }
}
