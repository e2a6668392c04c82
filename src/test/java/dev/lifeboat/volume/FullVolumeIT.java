package dev.lifeboat.volume;

import dev.lifeboat.alert.Receiver;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.LifeboatBinary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged agent replicating a SQLite database whose volume (a real tmpfs) fills up while the app keeps writing.
 * Lifeboat's shadow WAL lives on that volume too. What it must do, end to end as a user sees it:
 * <ul>
 *   <li>{@code volume-low-space} reaches the webhook before the volume is full;</li>
 *   <li>while Lifeboat cannot grow its shadow WAL, the app's writes never fail: Lifeboat lets go of the read
 *       transaction it holds on the database, so the app's checkpoints can restart its WAL in place (a held read
 *       would make the app's WAL grow into the full disk and fail the app's commits), and it reports
 *       {@code replication-error};</li>
 *   <li>once space returns, shipping resumes by itself (a new generation where frames were lost while it could
 *       not copy), the error resolves and a restore holds exactly what the app committed.</li>
 * </ul>
 */
class FullVolumeIT {
    private static final Duration GIVE_UP = Duration.ofSeconds(90);
    private static final int ROWS = 200;

    private final List<Process> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stopAll() {
        started.forEach(ExternalProcess::stop);
    }

    @Test
    void theAppKeepsWritingOnAFullVolumeAndShippingResumesWhenSpaceReturns() throws Exception {
        Mounts.assumeCanMount();
        Path dir = Files.createTempDirectory("lifeboat-full-volume-");
        Path vol = dir.resolve("data");
        Path db = vol.resolve("app.db");
        Path replica = dir.resolve("replica");
        try (Mounts mounts = new Mounts(); Receiver receiver = new Receiver()) {
            receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
            mounts.tmpfs(vol, "size=24m");
            try (Connection c = open(db); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER NOT NULL, v BLOB NOT NULL)");
                s.execute("WITH RECURSIVE ids(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM ids WHERE i < " + ROWS + ") "
                        + "INSERT INTO t(id, n, v) SELECT i, 0, randomblob(2000) FROM ids");
            }
            Path config = dir.resolve("lifeboat.yml");
            Files.writeString(config, """
                    destinations:
                      local: {url: "file://%s"}
                    databases:
                      app: {type: sqlite, path: %s, destination: local, sync-interval: 200ms, drill: {enabled: false}}
                    volumes:
                      data: {path: %s, check-interval: 200ms, min-free: 25%%}
                    alerts:
                      for: 0s
                      evaluate-interval: 500ms
                      state-dir: %s
                      sinks:
                        hook: {type: webhook, url: "%s"}
                    """.formatted(replica, db, vol, dir.resolve("state"), receiver.url("/hook")));
            int port = ExternalProcess.freePort();
            Process agent = LifeboatBinary.start(dir, dir.resolve("agent.log"), port, Map.of(), "agent", "--config", config.toString());
            started.add(agent);
            Await.until("replication started", GIVE_UP, () -> !agent.isAlive() || status(port).contains("\"syncs\""));
            assertTrue(agent.isAlive(), "the agent runs: see " + dir.resolve("agent.log"));

            Writer writer = new Writer(db);
            writer.start();
            try {
                Await.until("the app's WAL at its working size", GIVE_UP, () -> writer.commits.get() > 1500 || writer.failure.get() != null);
                var store = Files.getFileStore(vol);
                Path filler = vol.resolve("filler");
                try (OutputStream out = Files.newOutputStream(filler)) {
                    out.write(new byte[(int) (store.getUsableSpace() - store.getTotalSpace() / 5)]); // 20 % left: below min-free
                }
                Await.until("volume-low-space at the webhook", GIVE_UP, () -> firing(receiver, "volume-low-space/data"));
                Path rest = vol.resolve("filler-rest");
                fill(rest);
                Await.until("replication-error at the webhook", GIVE_UP,
                        () -> writer.failure.get() != null || firing(receiver, "replication-error/app"));
                long commitsWhileFull = writer.commits.get();
                Await.until("the app committing on the full volume", GIVE_UP, () -> writer.commits.get() > commitsWhileFull + 2000 || writer.failure.get() != null);
                assertEquals(null, writer.failure.get(), "the app's writes never fail while Lifeboat cannot grow its shadow WAL");
                String full = status(port);
                assertTrue(full.contains("No space left on device"), "status names the cause: " + full);
                assertTrue(indexOfFiring(receiver, "volume-low-space/data") < indexOfFiring(receiver, "replication-error/app"),
                        "volume-low-space came first: " + receiver.requests().stream().map(r -> r.getBodyAsString()).toList());

                Files.delete(rest);
                Files.delete(filler);
                Await.until("replication-error resolved", GIVE_UP, () -> writer.failure.get() != null || resolved(receiver, "replication-error/app"));
            } finally {
                writer.stop();
            }
            assertEquals(null, writer.failure.get(), "the app's writes never failed");
            String expected = contents(db);
            Await.until("the replica caught up", GIVE_UP, () -> {
                Path restored = dir.resolve("restored-" + System.nanoTime() + ".db");
                try {
                    ExternalProcess.run(LifeboatBinary.command("restore", "app", "--config", config.toString(), "--output", restored.toString()),
                            Duration.ofSeconds(60));
                    return expected.equals(contents(restored));
                } catch (IllegalStateException | SQLException e) {
                    return false;
                }
            });
            assertTrue(agent.isAlive(), "the agent lived through it");
        }
    }

    /**
     * The app: small transactions updating a fixed set of rows, so its database stops growing and its WAL restarts
     * in place once checkpointed (it needs no new space on a full volume unless a reader holds it back).
     */
    private static final class Writer implements Runnable {
        final Path db;
        final AtomicLong commits = new AtomicLong();
        final AtomicReference<String> failure = new AtomicReference<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread = new Thread(this, "app-writer");

        Writer(Path db) {
            this.db = db;
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join();
        }

        @Override
        public void run() {
            try (Connection c = open(db); PreparedStatement update = c.prepareStatement("UPDATE t SET n = n + 1, v = randomblob(2000) WHERE id = ?")) {
                while (!stop.get()) {
                    update.setInt(1, 1 + ThreadLocalRandom.current().nextInt(ROWS));
                    update.executeUpdate();
                    commits.incrementAndGet();
                    Thread.sleep(2); // an app's pace: a few hundred commits a second, not a benchmark's
                }
            } catch (SQLException e) {
                failure.set(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Connection open(Path db) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA busy_timeout=5000");
        }
        return c;
    }

    private static String contents(Path db) throws SQLException {
        StringBuilder out = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, n, hex(v) FROM t ORDER BY id")) {
            while (rs.next()) {
                out.append(rs.getInt(1)).append(' ').append(rs.getLong(2)).append(' ').append(rs.getString(3)).append('\n');
            }
        }
        return out.toString();
    }

    /** Writes until the filesystem says it is full. */
    private static void fill(Path file) throws IOException {
        byte[] chunk = new byte[64 << 10];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full.toString());
        }
    }

    private String status(int port) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static int indexOfFiring(Receiver receiver, String key) {
        List<String> bodies = receiver.requests().stream().map(r -> r.getBodyAsString()).toList();
        for (int i = 0; i < bodies.size(); i++) {
            if (bodies.get(i).contains("\"key\":\"" + key + "\"") && bodies.get(i).contains("\"status\":\"firing\"")) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static boolean firing(Receiver receiver, String key) {
        return indexOfFiring(receiver, key) != Integer.MAX_VALUE;
    }

    private static boolean resolved(Receiver receiver, String key) {
        return receiver.requests().stream().map(r -> r.getBodyAsString())
                .anyMatch(b -> b.contains("\"key\":\"" + key + "\"") && b.contains("\"status\":\"resolved\""));
    }
}
