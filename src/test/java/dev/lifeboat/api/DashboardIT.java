package dev.lifeboat.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.Chromium;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.LifeboatBinary;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in a real browser: a packaged agent with a PostgreSQL database (real server, S3Proxy) and a SQLite
 * one, headless Debian chromium over the DevTools protocol. The page must say everything is restorable, draw its
 * charts from the history endpoint, run "back up now" with the token typed into its form and show the job finish,
 * and name a failing database at the top. Any console error or uncaught exception in the page fails the test.
 * Screenshots: {@code target/dashboard.png}, {@code target/dashboard-failing.png}.
 */
class DashboardIT {
    static final String TOKEN = "dash-it-token-5d1e";
    static final ObjectMapper JSON = new ObjectMapper();
    /** {@code <img src=x onerror=window.pwned=1>}, percent-encoded for the URL's user part. */
    static final String HTML_ROLE = "%3Cimg%20src%3Dx%20onerror%3Dwindow.pwned%3D1%3E";
    static PostgresServer pg;
    static S3ProxyServer s3;
    static Path dir;
    final List<Process> started = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void servers() throws Exception {
        pg = PostgresServer.start();
        pg.createDatabase("shop");
        pg.sql("shop", "CREATE TABLE orders (id int primary key, item text)",
                "INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 2000) g");
        s3 = S3ProxyServer.start();
        s3.createBucket("dash");
        dir = Files.createTempDirectory("lifeboat-dash-it-");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("notes.db")); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
            s.execute("INSERT INTO notes (body) VALUES ('first'), ('second')");
        }
    }

    @AfterAll
    static void stopServers() {
        if (pg != null) {
            pg.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @AfterEach
    void stopAgents() {
        started.forEach(ExternalProcess::stop);
    }

    private String config(String name, String extraDatabases) throws IOException {
        Path file = dir.resolve(name + ".yml");
        Files.writeString(file, "destinations:\n" + s3.destinationYaml("s3", "dash", name)
                + "databases:\n"
                + "  shop: {type: postgres, url: \"" + pg.url("shop") + "\", destination: s3, schedule: 1h, audit-interval: 1s, drill: {first-delay: 1s}}\n"
                + "  notes: {type: sqlite, path: " + dir.resolve("notes.db") + ", destination: s3, sync-interval: 200ms, audit-interval: 1s, drill: {first-delay: 1s}}\n"
                + extraDatabases
                + "alerts:\n  for: 0s\n  evaluate-interval: 1s\n  state-dir: " + dir.resolve(name + "-state") + "\n"
                + "  severity: {backup-failures: critical}\n  thresholds: {consecutive-failures: 1}\n"
                + "http:\n  api-token: " + TOKEN + "\n");
        return file.toString();
    }

    private int launch(String config) throws IOException {
        int port = ExternalProcess.freePort();
        Path log = dir.resolve("agent-" + System.nanoTime() + ".log");
        Process p = LifeboatBinary.start(dir, log, port, Map.of(), "agent", "--config", config);
        started.add(p);
        ExternalProcess.awaitPort(port, p, log, Duration.ofSeconds(60));
        return port;
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode status(int port) {
        try {
            return JSON.readTree(get(port, "/api/v1/status").body());
        } catch (IOException e) {
            return JSON.createObjectNode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JSON.createObjectNode();
        }
    }

    private boolean restorable(JsonNode status, String database) {
        return status.path("databases").path(database).path("audit").path("restorable").asBoolean(false);
    }

    private static int points(Chromium page, String database, int chart) {
        String n = page.evaluateQuietly("(document.querySelectorAll('[data-database=\"" + database + "\"] svg.chart')[" + chart + "] || {dataset: {}}).dataset.points");
        return n == null ? 0 : Integer.parseInt(n);
    }

    @Test
    void thePageShowsRestorableDatabasesDrawsHistoryAndRunsABackupOnDemand() throws Exception {
        int port = launch(config("healthy", ""));
        Await.until("both databases restorable and drilled", Duration.ofSeconds(90), () -> {
            JsonNode s = status(port);
            return restorable(s, "shop") && restorable(s, "notes") && "ok".equals(s.path("status").asText())
                    && s.path("databases").path("shop").path("drill").has("last") && s.path("databases").path("notes").path("drill").has("last");
        });
        JsonNode shop = JSON.readTree(get(port, "/api/v1/databases/shop/history").body());
        assertTrue(shop.path("backups").size() >= 1, shop.toString());
        assertTrue(shop.path("backups").get(0).path("storedBytes").asLong() > 0 && shop.has("backupsListedAt") && !shop.has("lag"), shop.toString());
        assertEquals("passed", shop.path("drills").get(0).path("outcome").asText(), shop.toString());
        JsonNode notes = JSON.readTree(get(port, "/api/v1/databases/notes/history").body());
        assertTrue(notes.path("lag").path("samples").size() >= 1 && !notes.has("backups"), notes.toString());
        assertEquals(404, get(port, "/api/v1/databases/nosuch/history").statusCode());
        try (Chromium page = Chromium.start(1280, 1600)) {
            page.navigate("http://127.0.0.1:" + port + "/");
            Await.until("the verdict sentence", Duration.ofSeconds(20),
                    () -> String.valueOf(page.evaluateQuietly("document.getElementById('verdict').textContent")).startsWith("All 2 databases restorable; newest backup "));
            Await.until("the charts drawn from the history", Duration.ofSeconds(20),
                    () -> points(page, "shop", 0) >= 1 && points(page, "shop", 1) >= 1 && points(page, "notes", 0) >= 1);
            assertEquals("1", page.evaluateQuietly("String(document.querySelectorAll('[data-database=\"shop\"] .drill.passed').length)"),
                    "the drill history shows the passed drill");
            int backupsBefore = points(page, "shop", 0);

            page.evaluate("document.querySelector('button[data-job=\"backup\"][data-db=\"shop\"]').click()");
            Await.until("the token form", Duration.ofSeconds(10), () -> "false".equals(page.evaluateQuietly("String(document.getElementById('token-form').hidden)")));
            page.evaluate("document.getElementById('token-input').focus()");
            page.call("Input.insertText", Map.of("text", TOKEN));
            page.evaluate("document.getElementById('token-submit').click()");
            Await.until("the job to end", Duration.ofSeconds(60), () -> {
                String state = page.evaluateQuietly("(document.querySelector('.job') || {dataset: {}}).dataset.state");
                return "succeeded".equals(state) || "failed".equals(state);
            });
            String job = page.evaluateQuietly("document.querySelector('.job').textContent");
            assertEquals("succeeded", page.evaluateQuietly("document.querySelector('.job').dataset.state"), job);
            assertTrue(job.contains("Backup of shop") && job.contains("succeeded"), job);
            Await.until("the new backup in the size chart", Duration.ofSeconds(20), () -> points(page, "shop", 0) > backupsBefore);
            assertEquals(TOKEN, page.evaluateQuietly("sessionStorage.getItem('lifeboat.token')"));
            assertEquals("0", page.evaluateQuietly("String(localStorage.length)"), "the token is kept for the tab only");
            page.screenshot(Path.of("target/dashboard.png"));
            assertEquals(List.of(), page.errors(), "console errors or uncaught exceptions in the page");
        }
    }

    @Test
    void aFailingDatabaseIsNamedAtTheTop() throws Exception {
        // The role does not exist, and its name is HTML: the server's error names it, and the page must show it as text.
        String broken = "  billing: {type: postgres, url: \"postgres://" + HTML_ROLE + ":wrong-password@127.0.0.1:" + pg.port()
                + "/shop\", destination: s3, schedule: 1h, audit-interval: 1s, drill: {enabled: false}}\n";
        int port = launch(config("failing", broken));
        Await.until("the failing verdict", Duration.ofSeconds(90), () -> "failing".equals(status(port).path("status").asText()));
        try (Chromium page = Chromium.start(1280, 1600)) {
            page.navigate("http://127.0.0.1:" + port + "/");
            Await.until("the verdict sentence", Duration.ofSeconds(20),
                    () -> String.valueOf(page.evaluateQuietly("document.getElementById('verdict').textContent")).startsWith("1 of 3 databases failing: "));
            String verdict = page.evaluateQuietly("document.getElementById('verdict').textContent");
            assertTrue(verdict.contains("billing"), "names the database: " + verdict);
            assertEquals("verdict failing", page.evaluateQuietly("document.getElementById('verdict').className"));
            assertEquals("card failing", page.evaluateQuietly("document.querySelector('[data-database=\"billing\"]').className"));
            assertNotEquals("card failing", page.evaluateQuietly("document.querySelector('[data-database=\"shop\"]').className"));
            assertTrue(!String.valueOf(page.evaluateQuietly("document.body.innerText")).contains("wrong-password"), "no password on the page");
            assertTrue(verdict.contains("<img src=x onerror=window.pwned=1>"), "the error's HTML is shown as text: " + verdict);
            assertEquals("0", page.evaluateQuietly("String(document.querySelectorAll('main img').length)"), "no element made from agent data");
            assertEquals("undefined", page.evaluateQuietly("typeof window.pwned"), "no script ran from agent data");
            page.screenshot(Path.of("target/dashboard-failing.png"));
            assertEquals(List.of(), page.errors(), "console errors or uncaught exceptions in the page");
        }
    }
}
