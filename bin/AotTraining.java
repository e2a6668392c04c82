import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The training run of Lifeboat's JDK 25+ AOT cache (JEP 483/514/515): the cache holds the classes, their linking and
 * the method profiles of the run it was trained on, so it is trained on the runs users make, not on {@code --version}.
 * Run by bin/lifeboat and bin/jlink-runtime (so by Dockerfile.jvm at build time) with a JDK's source launcher:
 * <pre>  java -cp SQLITE_JDBC_JAR bin/AotTraining.java CACHE LAUNCHER [ARG...]</pre>
 * LAUNCHER is the script users run (bin/lifeboat, the jlink'd runtime's bin/lifeboat): each training process is
 * started through it with {@code LIFEBOAT_NO_AOT=1} (no cache in) and {@code LIFEBOAT_JAVA_OPTS=-XX:AOTCacheOutput=}
 * (the cache out), so the cache is made for exactly the class path and flags the launcher runs.
 * <p>
 * One process is trained, the agent, on a throwaway directory: a SQLite database in WAL mode replicated to a
 * {@code file:} destination, no PostgreSQL. It starts, becomes ready, ships a first snapshot and a write, runs a restore
 * drill (the restore path a CLI {@code lifeboat restore} takes), answers status, metrics and the dashboard, and stops on
 * SIGTERM with its final sync. The JVM writes the cache as it exits. A CLI command (restore, list...) uses the same
 * cache: its classes are those of the agent's start less the HTTP server, plus its own command class.
 * Exits non-zero, the cache not written, when any step fails; the launchers then run without a cache.
 */
public class AotTraining {
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(120);

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java -cp SQLITE_JDBC_JAR bin/AotTraining.java CACHE LAUNCHER [ARG...]");
            System.exit(2);
        }
        Path cache = Path.of(args[0]).toAbsolutePath();
        List<String> launcher = List.of(args).subList(1, args.length);
        Path dir = Files.createTempDirectory("lifeboat-aot-training-");
        try {
            new AotTraining(dir, launcher).trainAgent(cache);
        } catch (TrainingFailed | RuntimeException e) {
            System.err.println("aot-training: " + e);
            System.exit(1);
        } finally {
            deleteTree(dir);
        }
    }

    /** A step of the training that did not happen; its message holds the agent's log. */
    static class TrainingFailed extends Exception {
        TrainingFailed(String why, Path log) throws IOException {
            super(why + "; the agent's log:\n" + (Files.exists(log) ? Files.readString(log) : "(none)"));
        }
    }

    final Path dir;
    final List<String> launcher;
    final Path db;
    final Path replica;
    final Path config;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final String TOKEN = "aot-training-token";

    AotTraining(Path dir, List<String> launcher) {
        this.dir = dir;
        this.launcher = launcher;
        this.db = dir.resolve("app.db");
        this.replica = dir.resolve("replica");
        this.config = dir.resolve("lifeboat.yml");
    }

    void trainAgent(Path cache) throws Exception {
        write("CREATE TABLE notes (id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP, note TEXT)",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO notes (note) SELECT hex(randomblob(40)) FROM n");
        Files.writeString(config, """
                destinations:
                  local:
                    url: file:%s
                databases:
                  app:
                    type: sqlite
                    path: %s
                    destination: local
                    sync-interval: 100ms
                http:
                  api-token: %s
                """.formatted(replica, db, TOKEN));
        int port = freePort();
        Path log = dir.resolve("agent.log");
        Files.deleteIfExists(cache);
        Process agent = start(cache, log, port, "agent", "--config", config.toString());
        boolean trained = false;
        try {
            String base = "http://127.0.0.1:" + port;
            await("the agent to be ready", agent, log, () -> get(base + "/q/health/ready") == 200);
            await("the first snapshot in the replica", agent, log, () -> files(replica, "/snapshots/") > 0);
            long shipped = files(replica, "/wal/");
            write("INSERT INTO notes (note) VALUES ('written while the agent runs')");
            await("the write in the replica", agent, log, () -> files(replica, "/wal/") > shipped);
            String job = post(base + "/api/v1/databases/app/drills");
            await("the restore drill", agent, log, () -> jobDone(base + "/api/v1/jobs/" + job));
            for (String path : List.of("/api/v1/status", "/api/v1/databases/app", "/q/metrics", "/", "/q/health/live")) {
                get(base + path);
            }
            trained = true;
        } finally {
            if (trained) {
                agent.destroy(); // SIGTERM: the agent's final sync and shutdown are in the cache too
            } else {
                agent.destroyForcibly().waitFor(); // SIGKILL: no cache of a run that failed
            }
        }
        if (!agent.waitFor(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            agent.destroyForcibly().waitFor();
            fail("the agent did not stop on SIGTERM", log);
        }
        step("the agent's exit and the cache written");
        if (!Files.isRegularFile(cache) || Files.size(cache) == 0) {
            fail("the JVM wrote no AOT cache at " + cache, log);
        }
    }

    Process start(Path cache, Path log, int port, String... args) throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PORT", String.valueOf(port));
        pb.environment().put("LIFEBOAT_HTTP_HOST", "127.0.0.1");
        pb.environment().put("LIFEBOAT_NO_AOT", "1");
        pb.environment().put("LIFEBOAT_JAVA_OPTS", "-XX:AOTCacheOutput=" + cache);
        pb.environment().remove("LIFEBOAT_CONFIG");
        return pb.start();
    }

    void write(String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    int get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Starts a job and returns its id (the one "id" field of the job's JSON). */
    String post(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        var id = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
        if (r.statusCode() / 100 != 2 || !id.find()) {
            throw new IllegalStateException("POST " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return id.group(1);
    }

    boolean jobDone(String url) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (body.contains("\"state\":\"failed\"")) {
                throw new IllegalStateException("the training's restore drill failed: " + body);
            }
            return body.contains("\"state\":\"succeeded\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static final long STARTED = System.nanoTime();

    static void await(String what, Process process, Path log, BooleanSupplier done) throws Exception {
        Instant deadline = Instant.now().plus(STEP_TIMEOUT);
        while (!isDone(done, what, log)) {
            if (!process.isAlive()) {
                fail("the agent exited with " + process.exitValue() + " while waiting for " + what, log);
            }
            if (Instant.now().isAfter(deadline)) {
                fail("no " + what + " after " + STEP_TIMEOUT.toSeconds() + " s", log);
            }
            Thread.sleep(50);
        }
        step(what);
    }

    static boolean isDone(BooleanSupplier done, String what, Path log) throws IOException, TrainingFailed {
        try {
            return done.getAsBoolean();
        } catch (IllegalStateException e) {
            throw new TrainingFailed(what + ": " + e.getMessage(), log);
        }
    }

    /** Where the training's time goes (printed to stderr, which bin/lifeboat keeps in lifeboat.aot.log). */
    static void step(String what) {
        System.err.printf("aot-training: %s after %.1f s%n", what, (System.nanoTime() - STARTED) / 1e9);
    }

    static void fail(String why, Path log) throws IOException, TrainingFailed {
        throw new TrainingFailed(why, log);
    }

    /** Files of the replica whose path contains {@code part} (Litestream's layout: .../snapshots/, .../wal/). */
    static long files(Path root, String part) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> p.toString().contains(part) && Files.isRegularFile(p)).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0; // a file renamed while walking: ask again
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
