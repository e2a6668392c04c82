package dev.lifeboat.alert;

import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.lifeboat.stream.age.AgeIdentity;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.LifeboatBinary;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No secret in anything the agent writes. The packaged agent runs with a distinct random value in every
 * secret-bearing key — database passwords (in {@code databases.*.url}), S3 keys, every sink's URL and the webhook
 * secret, the PagerDuty routing key, the heartbeat URL, {@code http.api-token} and {@code read-token},
 * {@code fly.api-token}, and an age
 * identity — while failures are provoked: a PostgreSQL role that does not exist (its password in the URL), an S3
 * endpoint nobody listens on, a webhook answering 500, a Fly Machines API answering 500. Then every byte it wrote is
 * searched for every secret: its output (stdout and stderr, as JSON lines where {@code LIFEBOAT_LOG_FORMAT=json} is
 * supported), every API response (also 401 and 404 answers), metrics,
 * health, OpenAPI, the page and its assets, every notification a real receiver got (bodies and headers) and every
 * file under its working directory and in the bucket. Two places must carry a secret, and only their own: the PagerDuty
 * Events API takes its routing key in the body, and the Fly Machines API its token in the Authorization header.
 */
class SecretLeakIT {
    private static final SecureRandom RANDOM = new SecureRandom();

    private static String secret(String what) {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return what + HexFormat.of().formatHex(b);
    }

    @Test
    void noSecretReachesOutputApiNotificationsOrFiles() throws Exception {
        Map<String, String> secrets = new LinkedHashMap<>();
        for (String key : List.of("pgPassword", "badPgPassword", "s3AccessKey", "s3SecretKey", "hookPath", "hookSecret", "slackPath",
                "discordPath", "pagerdutyKey", "alertmanagerPath", "healthchecksPath", "heartbeatPath", "apiToken", "readToken", "flyToken")) {
            secrets.put(key, secret("Sx" + key.length()));
        }
        AgeIdentity identity = AgeIdentity.generate();
        secrets.put("ageIdentity", identity.encodeSecret());
        // The running S3Proxy's fixed keys are secrets too: they are the reachable destination's credentials.
        secrets.put("s3ProxyAccessKey", S3ProxyServer.ACCESS_KEY);
        secrets.put("s3ProxySecretKey", S3ProxyServer.SECRET_KEY);

        try (PostgresServer pg = PostgresServer.start(); S3ProxyServer s3 = S3ProxyServer.start(); Receiver receiver = new Receiver()) {
            pg.createDatabase("shop");
            pg.sql("shop", "CREATE TABLE orders (id int primary key, item text)", "INSERT INTO orders SELECT g, 'x' FROM generate_series(1, 100) g");
            s3.createBucket("leak");
            receiver.server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
            receiver.server.stubFor(post(urlPathMatching("/hook/.*")).willReturn(aResponse().withStatus(500)));
            receiver.server.stubFor(any(urlPathMatching("/fly/.*")).willReturn(aResponse().withStatus(500).withBody("{\"error\":\"boom\"}")));
            Path dir = Files.createTempDirectory("lifeboat-leak-it-");
            Path stateDir = dir.resolve("state");
            Path identityFile = dir.resolve("age-identity.txt");
            Files.writeString(identityFile, identity.encodeSecret() + "\n");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("notes.db")); Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
                s.execute("INSERT INTO notes (body) VALUES ('a'), ('b')");
            }
            Files.createDirectories(dir.resolve("volume"));
            int closedPort = ExternalProcess.freePort();
            Path config = dir.resolve("lifeboat.yml");
            Files.writeString(config, """
                    destinations:
                      s3: {url: "s3://leak/agent", endpoint: "%s", region: us-east-1, path-style: true, access-key-id: "%s", secret-access-key: "%s", request-timeout: 2s, connect-timeout: 1s}
                      gone: {url: "s3://gone/agent", endpoint: "http://127.0.0.1:%d", region: us-east-1, path-style: true, access-key-id: "%s", secret-access-key: "%s", request-timeout: 2s, connect-timeout: 1s}
                    databases:
                      shop: {type: postgres, url: "postgres://postgres:%s@127.0.0.1:%d/shop", destination: s3, schedule: 1h, audit-interval: 1s,
                             encryption: {recipients: ["%s"], identity-files: ["%s"]}, drill: {first-delay: 1s}}
                      billing: {type: postgres, url: "postgres://nobody:%s@127.0.0.1:%d/shop", destination: s3, schedule: 1h, audit-interval: 1s, drill: {enabled: false}}
                      notes: {type: sqlite, path: "%s", destination: gone, sync-interval: 200ms, audit-interval: 1s, drill: {enabled: false}}
                    volumes:
                      data: {path: "%s", require-mount: false}
                    fly:
                      api-url: "%s"
                      app: leak-app
                      api-token: "%s"
                    alerts:
                      for: 0s
                      evaluate-interval: 1s
                      state-dir: "%s"
                      thresholds: {consecutive-failures: 1}
                      delivery: {timeout: 2s, initial-backoff: 1s}
                      heartbeat: {url: "%s", interval: 1s}
                      sinks:
                        hook: {type: webhook, url: "%s", secret: "%s", min-severity: info}
                        slack: {type: slack, url: "%s", min-severity: info}
                        discord: {type: discord, url: "%s", min-severity: info}
                        pagerduty: {type: pagerduty, url: "%s", secret: "%s", min-severity: info}
                        alertmanager: {type: alertmanager, url: "%s", min-severity: info}
                        healthchecks: {type: healthchecks, url: "%s", min-severity: info}
                    http:
                      api-token: "%s"
                      read-token: "%s"
                    """.formatted(s3.endpoint(), secrets.get("s3ProxyAccessKey"), secrets.get("s3ProxySecretKey"),
                    closedPort, secrets.get("s3AccessKey"), secrets.get("s3SecretKey"),
                    secrets.get("pgPassword"), pg.port(), identity.recipient().encoded(), identityFile,
                    secrets.get("badPgPassword"), pg.port(), dir.resolve("notes.db"), dir.resolve("volume"),
                    receiver.url("/fly/api"), secrets.get("flyToken"), stateDir,
                    receiver.url("/heartbeat/" + secrets.get("heartbeatPath")),
                    receiver.url("/hook/" + secrets.get("hookPath")), secrets.get("hookSecret"),
                    receiver.url("/slack/" + secrets.get("slackPath")), receiver.url("/discord/" + secrets.get("discordPath")),
                    receiver.url("/pagerduty"), secrets.get("pagerdutyKey"),
                    receiver.url("/alertmanager/" + secrets.get("alertmanagerPath")),
                    receiver.url("/healthchecks/" + secrets.get("healthchecksPath")), secrets.get("apiToken"), secrets.get("readToken")));

            int port = ExternalProcess.freePort();
            Path log = dir.resolve("agent.log");
            Process agent = LifeboatBinary.start(dir, log, port, Map.of("FLY_APP_NAME", "leak-app", "LIFEBOAT_LOG_FORMAT", "json"), "agent", "--config", config.toString());
            try {
                ExternalProcess.awaitPort(port, agent, log, Duration.ofSeconds(60));
                HttpClient http = HttpClient.newHttpClient();
                Map<String, String> written = new LinkedHashMap<>();
                Await.until("the failures noticed and notified", Duration.ofSeconds(90), () -> {
                    String status = get(http, port, "/api/v1/status", secrets.get("readToken"));
                    return status.contains("\"lastFailure\"") && status.contains("\"reachable\":false") && status.contains("\"lastError\"")
                            && status.contains("\"restorable\":true") && count(receiver, "/hook/") >= 2 && count(receiver, "/slack/") >= 1
                            && count(receiver, "/pagerduty") >= 1 && count(receiver, "/fly/") >= 1;
                });
                // The token in both answers: accepted (a test notification to every sink) and refused.
                written.put("POST /api/v1/alerts/test (token)", send(http, port, "/api/v1/alerts/test", secrets.get("apiToken")));
                written.put("POST /api/v1/alerts/test (wrong token)", send(http, port, "/api/v1/alerts/test", secrets.get("apiToken") + "x"));
                written.put("POST /api/v1/databases/billing/backups", send(http, port, "/api/v1/databases/billing/backups", secrets.get("apiToken")));
                Await.until("the test notification delivered", Duration.ofSeconds(30),
                        () -> count(receiver, "/discord/") >= 1 && count(receiver, "/alertmanager/") >= 1 && count(receiver, "/healthchecks/") >= 1);
                for (String path : List.of("/", "/index.html", "/dashboard.js", "/dashboard.css", "/api/v1/status", "/api/v1/alerts",
                        "/api/v1/databases", "/api/v1/databases/shop", "/api/v1/databases/billing", "/api/v1/databases/notes",
                        "/api/v1/databases/shop/history", "/api/v1/databases/billing/history", "/api/v1/databases/notes/history",
                        "/api/v1/databases/shop/drills", "/api/v1/databases/billing/drills", "/api/v1/databases/shop/backups",
                        "/api/v1/databases/notes/generations", "/api/v1/databases/nosuch", "/api/v1/volumes", "/api/v1/destinations",
                        "/api/v1/jobs/1", "/q/health", "/q/health/ready", "/q/health/live", "/q/metrics", "/q/openapi")) {
                    written.put("GET " + path, get(http, port, path, secrets.get("readToken")));
                }
                written.put("GET /api/v1/status (no token)", get(http, port, "/api/v1/status", null));
                written.put("GET /api/v1/status (wrong token)", get(http, port, "/api/v1/status", secrets.get("readToken") + "x"));
                ExternalProcess.stop(agent);
                written.put("stdout and stderr", Files.readString(log, StandardCharsets.ISO_8859_1));
                for (LoggedRequest r : receiver.requests()) {
                    StringBuilder headers = new StringBuilder();
                    for (HttpHeader h : r.getHeaders().all()) {
                        if (r.getUrl().startsWith("/fly/") && h.key().equalsIgnoreCase("Authorization")
                                && h.values().equals(List.of("Bearer " + secrets.get("flyToken")))) {
                            continue; // the Machines API is called with its own token: the one place it must go
                        }
                        headers.append(h.key()).append(": ").append(String.join(",", h.values())).append('\n');
                    }
                    written.put("notification " + r.getMethod() + " " + shorten(r.getUrl()) + " #" + written.size(), headers + "\n" + r.getBodyAsString());
                }
                // Every file it wrote: its working directory (state, shadow WAL, probes) and the reachable bucket.
                for (Path root : List.of(dir, s3.dataDir())) {
                    try (Stream<Path> files = Files.walk(root)) {
                        for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.equals(config) && !f.equals(identityFile)).toList()) {
                            written.put("file " + f, new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
                        }
                    }
                }
                List<String> leaks = new ArrayList<>();
                written.forEach((where, text) -> secrets.forEach((name, value) -> {
                    boolean ownKey = name.equals("pagerdutyKey") && where.startsWith("notification POST /pagerduty");
                    if (text.contains(value) && !ownKey) {
                        leaks.add(name + " in " + where);
                    }
                }));
                assertEquals(List.of(), leaks, "secrets in what the agent wrote");
                assertTrue(written.keySet().stream().anyMatch(k -> k.startsWith("notification POST /pagerduty")), "PagerDuty was notified");
                assertTrue(written.get("GET /api/v1/status").contains("nobody"), "the failing database is reported (redacted): " + written.get("GET /api/v1/status"));
                assertTrue(written.keySet().stream().anyMatch(k -> k.startsWith("file " + stateDir)), "the state directory holds files: " + written.keySet());
            } finally {
                ExternalProcess.stop(agent);
            }
        }
    }

    private static String shorten(String url) {
        int second = url.indexOf('/', 1);
        return second < 0 ? url : url.substring(0, second + 1) + "…";
    }

    private static long count(Receiver receiver, String prefix) {
        return receiver.requests().stream().filter(r -> r.getUrl().startsWith(prefix)).count();
    }

    private static String get(HttpClient http, int port, String path, String token) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.headers().map() + "\n" + r.body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String send(HttpClient http, int port, String path, String token) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.headers().map() + "\n" + r.body();
    }
}
