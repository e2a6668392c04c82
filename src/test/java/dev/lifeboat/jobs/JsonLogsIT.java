package dev.lifeboat.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.LifeboatBinary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The packaged agent's console logs: human-readable by default; with {@code LIFEBOAT_LOG_FORMAT=json} every stdout
 * line is one JSON event, and the events of a job carry its {@code database} and {@code job} as fields.
 */
class JsonLogsIT {
    private static final String TOKEN = "json-logs-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(ExternalProcess::stop);
    }

    /** A sqlite database replicated to a file destination, and an API token. */
    private static Path workDir() throws IOException {
        Path dir = Files.createTempDirectory("lifeboat-json-logs-");
        ExternalProcess.run(List.of("sqlite3", dir.resolve("app.db").toString(),
                "PRAGMA journal_mode=WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);"), Duration.ofSeconds(30));
        Files.writeString(dir.resolve("lifeboat.yml"), "destinations:\n  local: { url: 'file://" + dir.resolve("replica") + "' }\n"
                + "databases:\n  app: { type: sqlite, path: " + dir.resolve("app.db") + ", destination: local, sync-interval: 200ms }\n"
                + "http:\n  api-token: " + TOKEN + "\n");
        return dir;
    }

    /** Starts the agent in {@code dir} with stdout and stderr in files of their own. */
    private Process start(Path dir, int port, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(LifeboatBinary.command()).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.log").toFile()).redirectError(dir.resolve("stderr.log").toFile());
        pb.environment().put("PORT", String.valueOf(port));
        pb.environment().remove("LIFEBOAT_CONFIG");
        pb.environment().remove("LIFEBOAT_LOG_FORMAT");
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private void awaitServing(Process agent, int port, Path dir) throws InterruptedException {
        Await.until("the agent serves", Duration.ofMinutes(1), () -> {
            assertTrue(agent.isAlive(), () -> "agent exited: " + read(dir.resolve("stdout.log")) + read(dir.resolve("stderr.log")));
            try {
                return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status")).build()).statusCode() == 200;
            } catch (IOException | InterruptedException notYet) {
                return false;
            }
        });
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void jsonFormatWritesOneEventPerLineWithDatabaseAndJobFields() throws Exception {
        Path dir = workDir();
        int port = ExternalProcess.freePort();
        Process agent = start(dir, port, Map.of("LIFEBOAT_LOG_FORMAT", "json"));
        awaitServing(agent, port, dir);

        HttpResponse<String> posted = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/databases/app/backups"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(202, posted.statusCode(), posted.body());
        String id = JSON.readTree(posted.body()).get("id").asText();
        Await.until("the snapshot job ends", Duration.ofMinutes(1), () -> {
            try {
                String state = JSON.readTree(send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/jobs/" + id)).build())
                        .body()).get("state").asText();
                return state.equals("succeeded") || state.equals("failed");
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
        agent.destroy();
        assertTrue(agent.waitFor(30, TimeUnit.SECONDS));

        List<String> lines = Files.readAllLines(dir.resolve("stdout.log"));
        assertFalse(lines.isEmpty(), "the agent logged nothing");
        List<JsonNode> events = new ArrayList<>();
        for (String line : lines) {
            try {
                events.add(JSON.readTree(line));
            } catch (IOException e) {
                fail("not one JSON event per line: " + line);
            }
        }
        assertTrue(events.stream().allMatch(e -> e.isObject() && e.hasNonNull("message") && e.hasNonNull("level")), lines.toString());
        assertTrue(events.stream().anyMatch(e -> "app".equals(text(e, "database")) && id.equals(text(e, "job"))
                && text(e, "message").contains("snapshot")), "an event of the job carries database and job: " + lines);
        assertTrue(events.stream().anyMatch(e -> "app".equals(text(e, "database")) && text(e, "job") == null
                && text(e, "message").startsWith("sqlite app:")), "replication's events carry the database: " + lines);
    }

    @Test
    void theDefaultFormatIsHumanReadable() throws Exception {
        Path dir = workDir();
        int port = ExternalProcess.freePort();
        Process agent = start(dir, port, Map.of());
        awaitServing(agent, port, dir);
        agent.destroy();
        assertTrue(agent.waitFor(30, TimeUnit.SECONDS));
        List<String> lines = Files.readAllLines(dir.resolve("stdout.log"));
        assertFalse(lines.isEmpty());
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("{")), "no JSON by default: " + lines);
        assertTrue(lines.stream().anyMatch(l -> l.matches("^\\d{4}-\\d\\d-\\d\\dT.* INFO .*")), lines.toString());
    }

    private static String text(JsonNode event, String field) {
        JsonNode v = event.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
