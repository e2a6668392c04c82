package dev.lifeboat.alert;

import dev.lifeboat.config.AlertsConfig;
import dev.lifeboat.config.InvalidConfigException;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code alerts:} section as users write it: defaults, every key, and mistakes reported by key. */
class AlertsConfigTest {
    @Test
    void defaults() {
        AlertsConfig a = TestConfigs.parse("alerts: {}\n").alerts();
        assertEquals(Duration.ofMinutes(2), a.pendingFor());
        assertEquals(Duration.ofHours(4), a.repeatInterval());
        assertEquals(Duration.ofSeconds(30), a.evaluateInterval());
        assertTrue(a.thresholds().maxBackupAge().isEmpty());
        assertEquals(2, a.thresholds().consecutiveFailures());
        assertEquals(Duration.ofMinutes(5), a.thresholds().maxReplicationLag());
        assertEquals(Duration.ofSeconds(10), a.delivery().timeout());
        assertEquals(20, a.delivery().maxAttempts());
        assertTrue(a.sinks().isEmpty());
        assertTrue(a.severity().isEmpty());
    }

    @Test
    void everyKeyParses() {
        AlertsConfig a = TestConfigs.parse("""
                alerts:
                  for: 5m
                  repeat-interval: 2h
                  evaluate-interval: 15s
                  keep-resolved: 12h
                  state-dir: /var/lib/lifeboat/alerts
                  outbox-dir: /data/lifeboat-outbox
                  severity:
                    backup-failures: critical
                  thresholds:
                    max-backup-age: 26h
                    consecutive-failures: 3
                    max-replication-lag: 1m
                  delivery: {timeout: 5s, max-attempts: 8, initial-backoff: 2s, max-backoff: 5m}
                  sinks:
                    pd: {type: pagerduty, secret: "${PD_KEY}", min-severity: critical}
                    hc:
                      type: healthchecks
                      url: https://hc-ping.com/PINGKEY
                      jobs:
                        backup.app: app-backup
                        drill.app: https://hc-ping.com/2f0e-uuid
                """, Map.of("PD_KEY", "R0UTING")).alerts();
        assertEquals("critical", a.severity().get("backup-failures"));
        assertEquals(Duration.ofHours(26), a.thresholds().maxBackupAge().orElseThrow());
        assertEquals(8, a.delivery().maxAttempts());
        assertEquals(Map.of("backup.app", "app-backup", "drill.app", "https://hc-ping.com/2f0e-uuid"), a.sinks().get("hc").jobs());
        Sink pd = Sink.of("pd", a.sinks().get("pd"));
        assertEquals(Sink.PAGERDUTY_EVENTS_URL, pd.url());
        assertEquals("R0UTING", pd.secret());
    }

    @Test
    void theReadmeExampleIsValid() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
        String section = readme.substring(readme.indexOf("### `alerts`"));
        String yaml = section.substring(section.indexOf("```yaml\n") + 8, section.indexOf("```", section.indexOf("```yaml\n") + 8));
        AlertsConfig a = TestConfigs.parse(yaml, Map.of("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/X",
                "PAGERDUTY_ROUTING_KEY", "R0UTING", "LIFEBOAT_WEBHOOK_SECRET", "s3cr3t", "HC_PING_KEY", "pingkey")).alerts();
        assertEquals(5, a.sinks().size());
        assertEquals(Duration.ofHours(26), a.thresholds().maxBackupAge().orElseThrow());
        assertEquals("app-backup", a.sinks().get("heartbeat").jobs().get("backup.app"));
        assertEquals("https://hc-ping.com/pingkey/lifeboat-agent", a.heartbeat().orElseThrow().url().orElseThrow());
    }

    @Test
    void theHeartbeatIsOffUnlessConfiguredAndPingsEveryMinuteByDefault() {
        assertTrue(TestConfigs.parse("alerts: {}\n").alerts().heartbeat().isEmpty());
        assertTrue(TestConfigs.parse("alerts: {heartbeat: {}}\n").alerts().heartbeat().isEmpty());
        AlertsConfig.HeartbeatConfig h = TestConfigs.parse("alerts: {heartbeat: {url: \"https://hc-ping.com/abc\"}}\n").alerts().heartbeat().orElseThrow();
        assertEquals(Duration.ofMinutes(1), h.interval());
        assertEquals(Duration.ofSeconds(15), TestConfigs.parse("alerts: {heartbeat: {url: \"https://x.example/p\", interval: 15s}}\n")
                .alerts().heartbeat().orElseThrow().interval());
    }

    @Test
    void heartbeatMistakesNameTheKeyAndNeverTheUrl() {
        var noUrl = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse("alerts: {heartbeat: {interval: 30s}}\n"));
        assertTrue(noUrl.problems().stream().map(Object::toString).anyMatch(p -> p.startsWith("alerts.heartbeat.url: a heartbeat needs url:")),
                noUrl.problems().toString());
        var bad = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(
                "alerts: {heartbeat: {url: \"hc-ping.com/SECRETPINGKEY\", interval: 500ms}}\n"));
        List<String> problems = bad.problems().stream().map(Object::toString).toList();
        assertFalse(String.join("\n", problems).contains("SECRETPINGKEY"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("alerts.heartbeat.url: not an http(s) URL with a host")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("alerts.heartbeat.interval: must be at least 1s")), problems.toString());
    }

    @Test
    void mistakesNameTheKeyAndNeverTheUrl() {
        var e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse("""
                alerts:
                  repeat-interval: 0s
                  severity: {backup-stale: urgent, no-such-rule: info}
                  thresholds: {consecutive-failures: 0}
                  delivery: {max-attempts: 0}
                  sinks:
                    chat: {type: slack, url: "hooks.slack.com/services/T0/B0/SECRETTOKEN"}
                    pd: {type: pagerduty}
                    hook: {type: webhook, url: "https://example.com/h", rules: [backup-stal], jobs: {backup.app: x}}
                    nowhere: {type: discord}
                """));
        List<String> problems = e.problems().stream().map(Object::toString).toList();
        String all = String.join("\n", problems);
        assertFalse(all.contains("SECRETTOKEN"), all);
        for (String expected : List.of("alerts.repeat-interval: must be a positive duration",
                "alerts.severity.backup-stale: unknown severity 'urgent'",
                "alerts.severity.no-such-rule: unknown rule 'no-such-rule'",
                "alerts.thresholds.consecutive-failures: must be at least 1",
                "alerts.delivery.max-attempts: must be at least 1",
                "alerts.sinks.chat.url: not an http(s) URL with a host",
                "alerts.sinks.pd.secret: a pagerduty sink needs secret:",
                "alerts.sinks.hook.rules[0]: unknown rule 'backup-stal'",
                "alerts.sinks.hook.jobs: jobs applies to healthchecks sinks only",
                "alerts.sinks.nowhere.url: a discord sink needs url:")) {
            assertTrue(problems.stream().anyMatch(p -> p.startsWith(expected)), "missing '" + expected + "' in\n" + all);
        }
    }
}
