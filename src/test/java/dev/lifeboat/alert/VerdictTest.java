package dev.lifeboat.alert;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The verdict from the alert states: a critical alert pending or firing fails it, a warning degrades it, info and
 * resolved alerts do not count; pending counts at once although {@code for} holds back the notification.
 */
class VerdictTest {
    @TempDir
    Path dir;
    final AlertHarness h = new AlertHarness();
    AlertRuntime runtime;

    @AfterEach
    void close() {
        if (runtime != null) {
            runtime.close();
        }
    }

    private static Condition condition(String rule, String subject, Severity severity, boolean firing) {
        return new Condition(rule, subject, severity, firing, rule + " of " + subject, Map.of(), Map.of());
    }

    private Verdict evaluate(Condition... conditions) {
        h.set(conditions);
        runtime.alerter.evaluate(List.of(h.source));
        return runtime.verdict();
    }

    @Test
    void criticalFailsWarningDegradesInfoAndResolvedDoNotCount() {
        runtime = h.runtime(AlertHarness.config(dir, "  for: 1h\n  severity: {drill-failed: info}\n"));
        assertEquals(new Verdict(Verdict.Status.OK, List.of()), evaluate());

        Verdict degraded = evaluate(condition("replication-lag", "app", Severity.WARNING, true),
                condition("drill-failed", "app", Severity.WARNING, true)); // overridden to info
        assertEquals(Verdict.Status.DEGRADED, degraded.status());
        assertEquals(List.of(new Verdict.Reason("replication-lag", "app", "warning", "replication-lag of app", AlertHarness.T0)),
                degraded.reasons(), "pending (for: 1h) counts; the info override does not");

        h.clock.advance(java.time.Duration.ofMinutes(1));
        Verdict failing = evaluate(condition("replication-lag", "app", Severity.WARNING, true),
                condition("destination-unreachable", "s3", Severity.CRITICAL, true));
        assertEquals(Verdict.Status.FAILING, failing.status());
        assertEquals(List.of("destination-unreachable/s3", "replication-lag/app"),
                failing.reasons().stream().map(r -> r.rule() + "/" + r.subject()).toList(), "critical first");

        assertEquals(Verdict.Status.OK, evaluate(condition("replication-lag", "app", Severity.WARNING, false),
                condition("destination-unreachable", "s3", Severity.CRITICAL, false)).status());
    }

    @Test
    void aFiredThenResolvedAlertLeavesTheVerdictOk() {
        runtime = h.runtime(AlertHarness.config(dir, "  for: 0s\n"));
        assertEquals(Verdict.Status.FAILING, evaluate(AlertHarness.staleBackup(true)).status());
        Verdict after = evaluate(AlertHarness.staleBackup(false));
        assertEquals(Verdict.Status.OK, after.status());
        assertEquals(AlertState.Status.RESOLVED, runtime.alerter.states().get("backup-stale/app").status());
    }
}
