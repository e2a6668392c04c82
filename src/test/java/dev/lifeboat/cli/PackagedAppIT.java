package dev.lifeboat.cli;

import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.LifeboatBinary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged application as a user runs it ({@link LifeboatBinary}: the jar, or the native executable
 * {@code -Dlifeboat.binary} names) in a directory holding the repository's default {@code lifeboat.yml}. Start-up
 * time and peak RSS are printed (not asserted).
 */
class PackagedAppIT {
    final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(ExternalProcess::stop);
    }

    private Process launch(Path workDir, int port, String... args) throws IOException {
        Process p = LifeboatBinary.start(workDir, workDir.resolve("out-" + System.nanoTime() + ".log"), port, Map.of(), args);
        started.add(p);
        return p;
    }

    private static Path workDirWithDefaultConfig() throws IOException {
        Path dir = Files.createTempDirectory("lifeboat-it-");
        Files.copy(Path.of("lifeboat.yml"), dir.resolve("lifeboat.yml"), StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }

    @Test
    void startsOnTheDefaultConfigAndServesStatus() throws Exception {
        Path dir = workDirWithDefaultConfig();
        int port = ExternalProcess.freePort();
        long t0 = System.nanoTime();
        Process agent = launch(dir, port);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> status = null;
        for (int i = 0; i < 600 && status == null; i++) {
            try {
                status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status")).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException notYet) {
                assertTrue(agent.isAlive(), "agent exited early: " + logs(dir));
                Thread.sleep(50);
            }
        }
        long startupMillis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, status.statusCode(), status.body());
        assertTrue(status.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        assertTrue(status.body().contains("\"app\":{\"type\":\"sqlite\""), status.body());
        String rss = Files.readAllLines(Path.of("/proc/" + agent.pid() + "/status")).stream()
                .filter(l -> l.startsWith("VmHWM") || l.startsWith("VmRSS")).map(l -> l.replaceAll("\\s+", " ")).toList().toString();
        String report = "packaged app: first /api/v1/status answer after " + startupMillis + " ms; memory " + rss;
        System.out.println(report);
        Files.writeString(Path.of("target/startup-measurement.txt"), report + "\n");

        // The destination's first check runs about a second after start; the page shows its badge only once there is one.
        for (int i = 0; i < 300 && !status.body().contains("\"reachable\""); i++) {
            Thread.sleep(100);
            status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        assertDashboardRendersTheStatus(port);

        agent.destroy(); // SIGTERM: a graceful stop, reported the conventional way (128 + 15)
        assertTrue(agent.waitFor(30, TimeUnit.SECONDS), "agent stops on SIGTERM");
        assertEquals(143, agent.exitValue(), logs(dir));
        assertTrue(logs(dir).contains("lifeboat stopped"), logs(dir));
    }

    /** The dashboard page, rendered by a real headless Chromium, shows the configured database and a healthy destination. */
    private static void assertDashboardRendersTheStatus(int port) throws Exception {
        Path profile = Files.createTempDirectory("chromium-");
        String dom = ExternalProcess.run(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom", "http://127.0.0.1:" + port + "/"),
                Duration.ofSeconds(90));
        assertTrue(dom.contains("<h2>Databases</h2>"), dom);
        assertTrue(dom.contains("<h3>app</h3>") || dom.contains("<h3>app<span"), "database card rendered: " + dom);
        assertTrue(java.util.regex.Pattern.compile("<tr><td>local</td><td>[^<]*</td><td>reachable</td></tr>").matcher(dom).find(),
                "destination shown healthy: " + dom);
        java.util.regex.Matcher verdict = java.util.regex.Pattern.compile("id=\"verdict\" class=\"verdict (\\w+)\"[^>]*data-status=\"(\\w+)\"").matcher(dom);
        assertTrue(verdict.find(), "the verdict on top: " + dom);
        assertEquals(verdict.group(2), verdict.group(1), "the page's verdict is the API's: " + dom);
    }

    @Test
    void shortCommandsDoNotOpenTheHttpPort() throws Exception {
        Path dir = workDirWithDefaultConfig();
        try (ServerSocket taken = new ServerSocket(0)) {
            // An agent already owns the port: a CLI run that tried to bind it would fail to start.
            Process check = launch(dir, taken.getLocalPort(), "check-config");
            assertTrue(check.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, check.exitValue(), logs(dir));
            assertTrue(logs(dir).contains("lifeboat.yml is valid"), logs(dir));
        }
    }

    /** A misspelt subcommand or option exits 2 with the usage, without serving (an agent already owns the port). */
    @Test
    void usageMistakesExitTwoWithoutOpeningTheHttpPort() throws Exception {
        for (String[] mistake : new String[][] {{"verfiy", "app"}, {"agent", "--confg", "lifeboat.yml"}}) {
            Path dir = workDirWithDefaultConfig();
            try (ServerSocket taken = new ServerSocket(0)) {
                Process p = launch(dir, taken.getLocalPort(), mistake);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(2, p.exitValue(), logs(dir));
                assertTrue(logs(dir).contains("Unknown option") || logs(dir).contains("Unmatched argument"), logs(dir));
                assertTrue(Files.notExists(dir.resolve(".lifeboat")), "nothing touched: " + logs(dir));
            }
        }
    }

    private static String logs(Path dir) {
        try (var files = Files.list(dir)) {
            StringBuilder out = new StringBuilder();
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("out-")).toList()) {
                out.append(Files.readString(f));
            }
            return out.toString();
        } catch (IOException e) {
            return "(no logs: " + e.getMessage() + ")";
        }
    }
}
