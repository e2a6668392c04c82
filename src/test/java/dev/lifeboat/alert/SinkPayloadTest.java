package dev.lifeboat.alert;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exact request each sink type sends, received by a real HTTP server. */
class SinkPayloadTest {
    @TempDir
    Path dir;
    Receiver receiver;
    AlertHarness h;
    AlertRuntime runtime;

    @BeforeEach
    void start() throws Exception {
        receiver = new Receiver();
        receiver.server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(202).withBody("ok")));
        h = new AlertHarness();
        runtime = h.runtime(AlertHarness.config(dir, """
                  for: 0s
                  sinks:
                    hook: {type: webhook, url: "%s", secret: s3cr3t-signing-key, min-severity: info}
                    chat: {type: slack, url: "%s"}
                    disc: {type: discord, url: "%s"}
                    pd: {type: pagerduty, url: "%s", secret: R0UTINGKEY}
                    am: {type: alertmanager, url: "%s"}
                    quiet: {type: slack, url: "%s", min-severity: critical, rules: [drill-failed]}
                    hc:
                      type: healthchecks
                      url: "%s"
                      jobs:
                        backup.app: app-backup
                    hcone: {type: healthchecks, url: "%s/"}
                """.formatted(receiver.url("/hook"), receiver.url("/slack/T0/B0/XXXX"), receiver.url("/discord/123/tok"),
                receiver.url("/pd/v2/enqueue"), receiver.url("/am"), receiver.url("/quiet"), receiver.url("/hc/PINGKEY"),
                receiver.url("/hc/0f3b-uuid"))));
    }

    @AfterEach
    void stop() {
        runtime.close();
        receiver.close();
    }

    @Test
    void firingAndResolvedPayloads() throws Exception {
        h.set(AlertHarness.staleBackup(true));
        runtime.alerter.evaluate(List.of(h.source));
        assertEquals(5, runtime.deliverer.deliverDue(), "webhook, slack, discord, pagerduty, alertmanager; not the filtered or healthchecks sinks");
        String id = Alerter.stableId("backup-stale/app|2026-11-23T00:00:00Z|FIRING|1");

        String alert = """
                {"key":"backup-stale/app","rule":"backup-stale","subject":"app","severity":"critical",
                 "summary":"newest backup is 26h old",
                 "labels":{"app":"myapp","region":"ams","machine":"m1","database":"app"},"values":{"age":"PT26H"},
                 "startsAt":"2026-11-23T00:00:00Z","endsAt":null}""";
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/hook"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader(Signer.DELIVERY_HEADER, equalTo(id))
                .withHeader(Signer.TIMESTAMP_HEADER, equalTo("1795392000"))
                .withRequestBody(equalToJson("""
                        {"version":"1","id":"%s","kind":"firing","status":"firing","repeat":false,
                         "createdAt":"2026-11-23T00:00:00Z","alert":%s}""".formatted(id, alert), false, false)));
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/slack/T0/B0/XXXX")).withRequestBody(equalToJson("""
                {"text":":red_circle: *[FIRING] backup-stale: app (critical)*\\nnewest backup is 26h old\\n_app=myapp, database=app, machine=m1, region=ams_"}""", false, false)));
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/discord/123/tok")).withRequestBody(equalToJson("""
                {"username":"Lifeboat",
                 "content":"**[FIRING] backup-stale: app (critical)**\\nnewest backup is 26h old\\napp=myapp, database=app, machine=m1, region=ams",
                 "allowed_mentions":{"parse":[]}}""", false, false)));
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/pd/v2/enqueue")).withRequestBody(equalToJson("""
                {"routing_key":"R0UTINGKEY","event_action":"trigger","dedup_key":"lifeboat/myapp/backup-stale/app",
                 "payload":{"summary":"backup-stale app: newest backup is 26h old","source":"myapp/m1","severity":"critical",
                            "timestamp":"2026-11-23T00:00:00Z","component":"app","group":"myapp","class":"backup-stale",
                            "custom_details":{"age":"PT26H","label.app":"myapp","label.database":"app","label.machine":"m1","label.region":"ams"}},
                 "client":"Lifeboat"}""", false, false)));
        String labels = """
                {"alertname":"backup-stale","app":"myapp","database":"app","machine":"m1","region":"ams","severity":"critical","subject":"app"}""";
        String fingerprint = AlertmanagerFormat.fingerprint(new java.util.TreeMap<>(java.util.Map.of("alertname", "backup-stale", "app", "myapp",
                "database", "app", "machine", "m1", "region", "ams", "severity", "critical", "subject", "app")));
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/am")).withRequestBody(equalToJson("""
                {"version":"4","groupKey":"{}:{alertname=\\"backup-stale\\", subject=\\"app\\"}","truncatedAlerts":0,
                 "status":"firing","receiver":"am","groupLabels":{"alertname":"backup-stale"},
                 "commonLabels":%s,"commonAnnotations":{"age":"PT26H","summary":"newest backup is 26h old"},"externalURL":"",
                 "alerts":[{"status":"firing","labels":%s,"annotations":{"age":"PT26H","summary":"newest backup is 26h old"},
                            "startsAt":"2026-11-23T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"%s"}]}
                """.formatted(labels, labels, fingerprint), false, false)));
        assertEquals(0, receiver.server.findAll(postRequestedFor(urlEqualTo("/quiet"))).size());

        // recovery: one resolve per sink
        h.clock.advance(Duration.ofMinutes(10));
        h.set(AlertHarness.staleBackup(false));
        runtime.alerter.evaluate(List.of(h.source));
        assertEquals(5, runtime.deliverer.deliverDue());
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/pd/v2/enqueue")).withRequestBody(equalToJson("""
                {"routing_key":"R0UTINGKEY","event_action":"resolve","dedup_key":"lifeboat/myapp/backup-stale/app"}""", false, false)));
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/am")).withRequestBody(equalToJson("""
                {"status":"resolved","alerts":[{"status":"resolved","endsAt":"2026-11-23T00:10:00Z","startsAt":"2026-11-23T00:00:00Z"}]}""", false, true)));
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/slack/T0/B0/XXXX")).withRequestBody(equalToJson("""
                {"text":":large_green_circle: *[RESOLVED] backup-stale: app (critical)*\\nnewest backup is 1h old\\n_app=myapp, database=app, machine=m1, region=ams_"}""", false, false)));
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/hook")).withRequestBody(equalToJson("""
                {"kind":"resolved","status":"resolved","alert":{"endsAt":"2026-11-23T00:10:00Z"}}""", false, true)));
        assertEquals(10, receiver.requests().size());
    }

    @Test
    void healthchecksPingsPerJob() throws Exception {
        runtime.alerter.queueJob(Notification.Kind.JOB_STARTED, "backup.app", "run-1", null);
        runtime.alerter.queueJob(Notification.Kind.JOB_SUCCEEDED, "backup.app", "run-1", "backed up 12 MiB in 3s");
        runtime.alerter.queueJob(Notification.Kind.JOB_STARTED, "backup.app", "run-2", null);
        runtime.alerter.queueJob(Notification.Kind.JOB_FAILED, "backup.app", "run-2", "pg_dump: connection refused");
        runtime.alerter.queueJob(Notification.Kind.JOB_SUCCEEDED, "drill.app", "run-3", "drill passed");
        runtime.deliverer.deliverDue();

        List<String> mapped = receiver.requests().stream().filter(r -> r.getUrl().startsWith("/hc/PINGKEY"))
                .map(r -> r.getMethod() + " " + r.getUrl() + " " + r.getBodyAsString()).toList();
        assertEquals(List.of(
                "POST /hc/PINGKEY/app-backup/start?rid=run-1 ",
                "POST /hc/PINGKEY/app-backup?rid=run-1 backed up 12 MiB in 3s",
                "POST /hc/PINGKEY/app-backup/start?rid=run-2 ",
                "POST /hc/PINGKEY/app-backup/fail?rid=run-2 pg_dump: connection refused"), sorted(mapped));
        List<String> single = receiver.requests().stream().filter(r -> r.getUrl().startsWith("/hc/0f3b-uuid"))
                .map(r -> r.getMethod() + " " + r.getUrl()).toList();
        assertEquals(5, single.size(), "a sink without jobs pings its one check for every job: " + single);
        assertTrue(single.contains("POST /hc/0f3b-uuid/fail?rid=run-2"));
        assertTrue(single.contains("POST /hc/0f3b-uuid?rid=run-3"));
        assertEquals(9, receiver.requests().size(), "job events go to healthchecks sinks only");
    }

    @Test
    void testNotificationReachesEverySinkAndClosesIncidents() throws Exception {
        var ids = runtime.alerter.queueTest(List.of());
        runtime.deliverer.deliverDue();
        assertTrue(runtime.outbox.pending().isEmpty());
        // 8 sinks, the healthchecks one with jobs gets one per job, pagerduty and alertmanager also get a resolve
        assertEquals(10, ids.size());
        assertEquals(10, receiver.requests().size());
        List<LoggedRequest> pd = receiver.server.findAll(postRequestedFor(urlEqualTo("/pd/v2/enqueue")));
        assertTrue(pd.get(0).getBodyAsString().contains("\"event_action\":\"trigger\""));
        assertTrue(pd.get(1).getBodyAsString().contains("\"event_action\":\"resolve\""));
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/hc/PINGKEY/app-backup/log")));
        receiver.server.verify(1, postRequestedFor(urlEqualTo("/hc/0f3b-uuid/log")));
    }

    private static List<String> sorted(List<String> in) {
        // requests arrive in enqueue order per sink; keep it but make the check independent of journal order
        return in.stream().sorted(java.util.Comparator.comparing((String s) -> s.contains("run-1") ? 0 : 1)
                .thenComparing(s -> s.contains("/start") ? 0 : 1)).toList();
    }
}
