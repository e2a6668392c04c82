package dev.lifeboat.pitr;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.postgres.PgTools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL server started on a restored data directory to recover it: {@code pg_ctl start} with the server
 * binaries of the backup's major version, as the {@code postgres} OS user when we are root (the server refuses to run
 * as root, and the data directory is handed to that user), watched through {@code pg_controldata} until the cluster
 * state says {@code in production} (recovery reached its target and the server promoted), or the server died.
 * Needs no connection (and so no password) to tell.
 */
public final class RecoveryServer implements AutoCloseable {
    /** OS user the server runs as when Lifeboat runs as root. */
    public static final String SERVER_OS_USER = "postgres";
    private static final Pattern LAST_TX = Pattern.compile("last completed transaction was at log time (\\S+ \\S+)");
    private static final Pattern STATE = Pattern.compile("Database cluster state:\\s+(.+)");

    private final Path bin;
    private final Path dataDir;
    private final Path log;
    private final int port;
    private final boolean asServerUser;
    private boolean stopped;

    private RecoveryServer(Path bin, Path dataDir, Path log, int port, boolean asServerUser) {
        this.bin = bin;
        this.dataDir = dataDir;
        this.log = log;
        this.port = port;
        this.asServerUser = asServerUser;
    }

    /**
     * The directory holding pg_ctl, postgres and pg_controldata of {@code major}: {@code explicit} when given (checked),
     * else the search of {@link PgTools#standard()}. A data directory only runs under its own major version.
     */
    public static Path binaries(int major, Optional<Path> explicit, String settingName) {
        if (explicit.isPresent()) {
            Path dir = explicit.get();
            Optional<PgTools.Tool> ctl = new PgTools(List.of(dir)).installed("pg_ctl").stream().findFirst();
            if (ctl.isEmpty() || ctl.get().major() != major || !Files.isExecutable(dir.resolve("postgres"))
                    || !Files.isExecutable(dir.resolve("pg_controldata"))) {
                throw new UserFacingException(settingName + " " + dir + " does not hold pg_ctl, postgres and pg_controldata of PostgreSQL " + major
                        + (ctl.map(t -> " (its pg_ctl is " + t.version() + ")").orElse("")),
                        "point it at the bin directory of the PostgreSQL " + major + " server (Debian: /usr/lib/postgresql/" + major + "/bin)");
            }
            return dir;
        }
        // pg_ctl may be a link on PATH (/usr/local/bin/pg_ctl): its real directory holds the rest of the server
        return PgTools.standard().installed("pg_ctl").stream().filter(t -> t.major() == major)
                .map(t -> realParent(t.path()))
                .filter(dir -> Files.isExecutable(dir.resolve("postgres")) && Files.isExecutable(dir.resolve("pg_controldata")))
                .findFirst()
                .orElseThrow(() -> new UserFacingException("the PostgreSQL " + major + " server binaries (pg_ctl, postgres) are not installed here; "
                        + "a base backup of a PostgreSQL " + major + " server only starts under that major version",
                        "install them (Debian: apt-get install postgresql-" + major + ") or name their directory with " + settingName));
    }

    private static Path realParent(Path program) {
        try {
            return program.toRealPath().getParent();
        } catch (IOException e) {
            return program.toAbsolutePath().getParent();
        }
    }

    /** True when this process runs as root (the server must then run as {@value #SERVER_OS_USER}). */
    public static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The server's OS user when we are root (files we write for the server are handed to it), else null. */
    public static java.nio.file.attribute.UserPrincipal serverUser() throws IOException {
        return runningAsRoot() ? java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(SERVER_OS_USER) : null;
    }

    /**
     * Hands the data directory to the server's OS user when we are root. The WAL spool is left out: it is being
     * written while this runs (files appear and are renamed away under a recursive chown) and owns what it writes.
     */
    public static void handOver(Path dataDir) throws IOException {
        if (!runningAsRoot()) {
            return;
        }
        String owner = SERVER_OS_USER + ":" + SERVER_OS_USER;
        run(List.of("chown", owner, dataDir.toString()), Duration.ofMinutes(1));
        List<String> command = new ArrayList<>(List.of("chown", "-R", owner));
        try (var entries = Files.list(dataDir)) {
            entries.filter(e -> !e.getFileName().toString().equals(WalSpool.DIR_NAME)).map(Path::toString).forEach(command::add);
        }
        if (command.size() > 3) {
            run(command, Duration.ofMinutes(10));
        }
    }

    /** Starts the server on {@code port}; {@code options} are further {@code -c name=value} settings. */
    public static RecoveryServer start(Path bin, Path dataDir, int port, List<String> options, Duration timeout) throws IOException {
        Path log = dataDir.resolve("lifeboat-recovery.log");
        boolean root = runningAsRoot();
        RecoveryServer server = new RecoveryServer(bin, dataDir, log, port, root);
        StringBuilder o = new StringBuilder("-p " + port);
        options.forEach(opt -> o.append(" -c ").append(opt));
        // -w: pg_ctl returns once the server accepts connections (consistent in recovery, or promoted), so that a
        // server that dies while starting is told apart from one that has not written its pid file yet.
        try {
            server.ctl(List.of("-D", dataDir.toString(), "-w", "-t", Long.toString(Math.max(1, timeout.toSeconds())), "-l", log.toString(),
                    "-o", o.toString(), "start"), timeout.plusSeconds(30));
        } catch (IOException e) {
            server.close();
            throw new IOException("the server on " + dataDir + " did not start: " + e.getMessage() + "; its log ends:\n" + server.logTail(30), e);
        }
        return server;
    }

    public int port() {
        return port;
    }

    /**
     * Waits until recovery ended and the server promoted; throws with the server log's tail when the server stops
     * first (a missing or damaged WAL object, a target before the backup's end) or {@code timeout} passes.
     */
    public void awaitPromoted(Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            // The backup's own pg_control says "in production" until the server first writes it, so the control file
            // alone proves nothing: recovery.signal is removed at the end of recovery, and postmaster.pid says
            // "ready" once the promoted server accepts connections.
            String state = clusterState();
            if (state.equals("in production") && !Files.exists(dataDir.resolve("recovery.signal")) && postmasterReady()) {
                return;
            }
            if (!running()) {
                throw new IOException("the recovering server stopped before it was promoted (cluster state: " + state + "); its log ends:\n" + logTail(30));
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("recovery did not finish within " + timeout + " (cluster state: " + state + "); its log ends:\n" + logTail(30));
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for recovery");
            }
        }
    }

    /** The commit time of the last transaction recovery replayed, as the server logged it at the end of recovery. */
    public Optional<String> lastReplayedTransaction() {
        Matcher m = LAST_TX.matcher(readLog());
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return Optional.ofNullable(last);
    }

    private boolean postmasterReady() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            return lines.size() >= 8 && lines.get(7).strip().equals("ready");
        } catch (IOException notThere) {
            return false;
        }
    }

    /** {@code pg_controldata}'s "Database cluster state". */
    String clusterState() throws IOException {
        String out = run(List.of(bin.resolve("pg_controldata").toString(), "-D", dataDir.toString()), Duration.ofSeconds(30));
        Matcher m = STATE.matcher(out);
        return m.find() ? m.group(1).strip() : "unknown";
    }

    private boolean running() {
        try {
            ctl(List.of("-D", dataDir.toString(), "status"), Duration.ofSeconds(30));
            return true;
        } catch (IOException notRunning) {
            return false;
        }
    }

    public String logTail(int lines) {
        List<String> all = readLog().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private String readLog() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops the server (fast shutdown, immediate if that fails); idempotent. */
    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            ctl(List.of("-D", dataDir.toString(), "-m", "fast", "-w", "-t", "60", "stop"), Duration.ofSeconds(90));
        } catch (IOException e) {
            try {
                ctl(List.of("-D", dataDir.toString(), "-m", "immediate", "-w", "-t", "60", "stop"), Duration.ofSeconds(90));
            } catch (IOException alreadyStopped) {
                // not running
            }
        }
    }

    /** Stops a server left running on {@code dataDir} by an earlier, killed run (a drill's leftovers). */
    public static void stopLeftover(Path bin, Path dataDir) {
        new RecoveryServer(bin, dataDir, dataDir.resolve("lifeboat-recovery.log"), 0, runningAsRoot()).close();
    }

    private String ctl(List<String> args, Duration timeout) throws IOException {
        List<String> command = new ArrayList<>();
        if (asServerUser) {
            command.addAll(List.of("runuser", "-u", SERVER_OS_USER, "--"));
        }
        command.add(bin.resolve("pg_ctl").toString());
        command.addAll(args);
        return run(command, timeout);
    }

    private static String run(List<String> command, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out;
        try {
            out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(command.size() - 1) + " did not finish within " + timeout);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with code " + p.exitValue() + ": " + text.strip());
        }
        return text;
    }
}
