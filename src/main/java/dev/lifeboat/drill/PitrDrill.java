package dev.lifeboat.drill;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.pitr.BaseBackupCatalog;
import dev.lifeboat.pitr.BaseBackupManifest;
import dev.lifeboat.pitr.PitrRestorer;
import dev.lifeboat.pitr.RecoveryConfig;
import dev.lifeboat.pitr.RecoveryServer;
import dev.lifeboat.pitr.RecoveryTarget;
import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.stream.age.AgeKeys;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * PITR drill of a postgres database with {@code pitr.enabled}: restores the newest base backup plus archived WAL into
 * a scratch data directory ({@code <drill.scratch-dir>/lifeboat_drill_<db>_<id>}), starts a scratch server on a free
 * loopback port (binaries from {@code drill.postgres-bin}), recovers to "now minus a minute" (the latest WAL when the
 * newest base backup is younger), runs the built-in and user checks against the configured database, records RTO
 * (restore + recovery) and the achieved RPO (the drill's start minus the last replayed transaction), then stops the
 * server and deletes the directory on every path. Leftovers of a drill killed mid-way (a running server, a directory)
 * are removed by the next drill of the database before it starts.
 *
 * <p>The scratch server listens on 127.0.0.1 only, with its own pg_hba.conf admitting the configured role alone
 * (by password when the URL has one), archiving off, and its WAL from this process's spool ({@code pitr/WalSpool}),
 * else through a restore_command running {@code lifeboat wal-fetch}.
 */
final class PitrDrill implements Drill {
    private static final Logger LOG = Logger.getLogger(PitrDrill.class);
    /** How far behind "now" a drill recovers to (a moment the archive should have passed). */
    static final Duration TARGET_LAG = Duration.ofMinutes(1);
    /** A restored data directory is about its tar archive's size; WAL files and the recovery add some. */
    static final double SPACE_ALLOWANCE = 1.5;

    private final Path configFile;

    PitrDrill(Path configFile) {
        this.configFile = configFile;
    }

    @Override
    public boolean hasSomethingToRestore(ObjectStore store) throws IOException {
        return !new BaseBackupCatalog(store).list().isEmpty();
    }

    static Path scratchRoot(DatabaseConfig db) {
        return Path.of(db.drill().scratchDir().orElse(System.getProperty("java.io.tmpdir") + "/lifeboat-drills"));
    }

    @Override
    public void run(DrillRun run) throws DrillException {
        DatabaseConfig.DrillConfig settings = run.config.drill();
        Path root = scratchRoot(run.config);
        Optional<Path> bin = settings.postgresBin().map(Path::of);
        Path dir = root.resolve(run.scratchName());
        try {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x")); // the server's user walks through it
            removeLeftovers(root, DrillRun.scratchPrefix(run.database), bin);
        } catch (IOException e) {
            throw DrillException.failed("drill of " + run.database + " failed: scratch directory " + root + ": " + e.getMessage(), e);
        }
        BaseBackupManifest newest;
        try {
            newest = new BaseBackupCatalog(run.store).list().stream().reduce((a, b) -> b).orElse(null);
        } catch (IOException e) {
            throw DrillException.failed("drill of " + run.database + " failed: cannot list base backups in " + run.store.describe() + ": " + e.getMessage(), e);
        }
        if (newest == null) {
            throw DrillException.refused("drill of " + run.database + " refused: no PITR base backup in " + run.store.describe()
                    + "; run lifeboat backup " + run.database + " --base first");
        }
        ScratchSpace.require(run.database, (long) (newest.rawBytes() * SPACE_ALLOWANCE), SPACE_ALLOWANCE + " x the " + newest.rawBytes()
                + "-byte base backup " + newest.id(), settings.scratchSpace(), root);
        Instant targetTime = run.startedAt.minus(TARGET_LAG);
        RecoveryTarget target = newest.consistentAt().isAfter(targetTime) ? new RecoveryTarget.Latest() : new RecoveryTarget.Time(targetTime);
        run.backupId = newest.id();
        run.storedBytes = newest.storedBytes();
        run.scratch = dir.toString();
        PgUrl source = PgUrl.parse(run.config.url().orElseThrow());
        RecoveryServer server = null;
        try {
            Files.createDirectories(dir);
            int port = freePort();
            Path hba = writeHba(root, run.scratchName(), source);
            String command = settings.lifeboatCommand().orElseGet(PitrDrill::ownCommand);
            PitrRestorer.Request request = new PitrRestorer.Request(run.database, dir.resolve("data"), target, Optional.of(newest.id()),
                    RecoveryConfig.restoreCommand(command, configFile, run.database), AgeKeys.identities(run.config), List.of("archive_mode = off"),
                    Optional.of(port), List.of("listen_addresses=127.0.0.1", "unix_socket_directories=''", "hba_file=" + hba),
                    bin, "databases." + run.database + ".drill.postgres-bin", settings.timeout());
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            RecoveryServer.handOver(dir);
            long t0 = System.nanoTime();
            PitrRestorer.Result result = new PitrRestorer(run.store).restore(request);
            server = result.server();
            run.restoreMillis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            run.backupTime = result.lastReplayedTransaction().flatMap(PitrDrill::parsePgTime).orElse(newest.consistentAt());
            run.check(CheckResult.builtin("pitr-recovery", true, "to " + target.describe(),
                    "base backup " + newest.id() + " (SHA-256 verified) and archived WAL recovered to " + target.describe()
                            + ", server promoted; last transaction replayed: " + result.lastReplayedTransaction().orElse("none")));
            check(run, scratchUrl(source, port));
        } catch (DrillException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw DrillException.failed("drill of " + run.database + " failed: " + source.redact(String.valueOf(e.getMessage())), e);
        } finally {
            if (server != null) {
                server.close();
            }
            delete(dir);
            delete(root.resolve(run.scratchName() + ".hba"));
        }
    }

    private static void check(DrillRun run, PgUrl target) throws DrillException {
        DatabaseConfig.DrillConfig settings = run.config.drill();
        try (Connection c = target.connect(new java.util.Properties())) {
            c.setReadOnly(true);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT pg_database_size(current_database()), (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                            + "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema'))")) {
                rs.next();
                run.restoredBytes = rs.getLong(1);
                run.check(CheckResult.builtin("tables", true, rs.getLong(2) + " tables", "the recovered database answers queries: "
                        + rs.getLong(2) + " user tables"));
            }
            for (CheckResult r : UserChecks.run(c, settings.checks(), run.backupTime, run.startedAt, (int) settings.timeout().toSeconds())) {
                run.check(r);
            }
        } catch (SQLException e) {
            throw DrillException.failed("drill of " + run.database + " failed: cannot query the recovered server: "
                    + target.redact(String.valueOf(e.getMessage())), e);
        }
        CheckResult failed = run.checks().stream().filter(r -> !r.passed()).findFirst().orElse(null);
        if (failed != null) {
            throw DrillException.failed("drill of " + run.database + " failed on base backup " + run.backupId + ": " + failed.message());
        }
    }

    /** Only the configured role, from loopback, by password when the URL has one. */
    private static Path writeHba(Path root, String name, PgUrl source) throws IOException {
        Path hba = root.resolve(name + ".hba");
        String method = source.password() == null || source.password().isEmpty() ? "trust" : "md5";
        Files.writeString(hba, "host all \"" + source.user().replace("\"", "") + "\" 127.0.0.1/32 " + method + "\n");
        Files.setPosixFilePermissions(hba, PosixFilePermissions.fromString("rw-r--r--"));
        return hba;
    }

    /** Stops servers and deletes directories left by drills of this database that were killed. */
    static void removeLeftovers(Path root, String prefix, Optional<Path> bin) throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                Path data = p.resolve("data");
                if (Files.exists(data.resolve("postmaster.pid"))) {
                    try {
                        int major = Integer.parseInt(Files.readString(data.resolve("PG_VERSION")).strip());
                        RecoveryServer.stopLeftover(RecoveryServer.binaries(major, bin, "drill.postgres-bin"), data);
                    } catch (IOException | RuntimeException e) {
                        LOG.warnf("cannot stop the scratch server left in %s: %s", data, e.getMessage());
                    }
                }
                delete(p);
                LOG.infof("removed %s, left by an interrupted PITR drill", p);
            }
        }
    }

    private static void delete(Path p) {
        if (Files.isDirectory(p)) {
            dev.lifeboat.pitr.BaseBackupUnpacker.empty(p);
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", p, e.getMessage());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** This process's command without its arguments: the native executable, or {@code java -jar X.jar}. */
    static String ownCommand() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        String exe = info.command().orElse("lifeboat");
        String[] args = info.arguments().orElse(new String[0]);
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("-jar")) {
                return exe + " -jar " + args[i + 1];
            }
        }
        return exe.endsWith("/java") ? "lifeboat" : exe;
    }

    /** The configured role and database on the scratch server (no TLS there: sslmode and friends are dropped). */
    static PgUrl scratchUrl(PgUrl source, int port) {
        java.util.Map<String, String> params = new java.util.LinkedHashMap<>(source.params());
        params.keySet().removeIf(k -> k.startsWith("ssl") || k.equals("host") || k.equals("port") || k.equals("target_session_attrs"));
        return new PgUrl("127.0.0.1", port, source.database(), source.user(), source.password(), params);
    }

    /** PostgreSQL's log time {@code 2026-12-05 01:56:56.123456+00}. */
    static Optional<Instant> parsePgTime(String text) {
        String iso = text.strip().replace(' ', 'T');
        if (iso.matches(".*[+-]\\d\\d$")) {
            iso += ":00";
        }
        try {
            return Optional.of(OffsetDateTime.parse(iso).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
