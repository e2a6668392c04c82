package dev.lifeboat.drill;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.postgres.PgConnectionBudget;
import dev.lifeboat.postgres.PgRestorer;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.stream.DigestingInputStream;
import dev.lifeboat.stream.age.AgeKeys;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * PostgreSQL drill: restores a backup (the latest, or a random one within retention) with {@link PgRestorer} —
 * download, SHA-256 against the manifest, age decryption, decompression, {@code pg_restore --single-transaction} —
 * into a scratch database {@code lifeboat_drill_<db>_<id>} on {@code drill.server-url} (default: the source's server,
 * where that generated name cannot collide with an application's database), then checks that every table of the
 * manifest exists with its row count, runs the user checks, and drops the scratch database, on every path.
 *
 * <p>Connections: one maintenance connection (to the server URL's database, {@code postgres} by default) that holds
 * an advisory lock for the drill and creates/drops the scratch database, plus pg_restore's and one to the scratch
 * database for checks. The source database itself is never connected to, so it cannot be written.
 */
final class PostgresDrill implements Drill {
    private static final Logger LOG = Logger.getLogger(PostgresDrill.class);
    /** Advisory lock class of drills ("LB" + "D"); the second key is the hash of the scratch prefix. */
    static final int DRILL_LOCK_CLASS = 0x4C4244;
    /** A restored database usually takes more room than its dump (indexes are rebuilt, pages are not full). */
    static final int RESTORE_ALLOWANCE = 2;
    /** Row counts in manifests are planner estimates: within this fraction (or {@link #ESTIMATE_SLACK_ROWS}) is a match. */
    static final double ESTIMATE_TOLERANCE = 0.10;
    static final long ESTIMATE_SLACK_ROWS = 10;
    private static final String MAINTENANCE_DATABASE = "postgres";

    private final PgTools tools;
    private final Random random;

    PostgresDrill(PgTools tools) {
        this(tools, ThreadLocalRandom.current());
    }

    PostgresDrill(PgTools tools, Random random) {
        this.tools = tools;
        this.random = random;
    }

    /** Where scratch databases go: drill.server-url, else the source server's maintenance database. */
    static PgUrl server(DatabaseConfig db) {
        return db.drill().serverUrl().map(PgUrl::parse)
                .orElseGet(() -> PgUrl.parse(db.url().orElseThrow()).withDatabase(MAINTENANCE_DATABASE));
    }

    @Override
    public boolean hasSomethingToRestore(ObjectStore store) throws IOException {
        return !new BackupCatalog(store).list().isEmpty();
    }

    /**
     * A scratch database needs a role with CREATEDB (or a superuser) on the drill server; without one every drill
     * would fail the same way, so the scheduler does not run them and status says why. One short query.
     */
    @Override
    public Optional<String> whyImpossible(String database, DatabaseConfig db) {
        PgUrl server;
        try {
            server = server(db);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        try (Connection c = jdbc(server); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_user, rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
            if (!rs.next() || rs.getBoolean(2)) {
                return Optional.empty();
            }
            return Optional.of("drills off: role " + rs.getString(1) + " cannot create databases on " + server
                    + "; grant CREATEDB (ALTER ROLE " + rs.getString(1) + " CREATEDB) or set databases." + database + ".drill.server-url");
        } catch (SQLException e) {
            LOG.debugf("cannot ask %s whether the drill role may create databases: %s", server, server.redact(String.valueOf(e.getMessage())));
            return Optional.empty();
        }
    }

    @Override
    public void run(DrillRun run) throws DrillException {
        DatabaseConfig.DrillConfig settings = run.config.drill();
        PgUrl server;
        try {
            server = server(run.config);
        } catch (IllegalArgumentException e) {
            throw DrillException.refused("drill of " + run.database + " refused: " + e.getMessage());
        }
        String prefix = DrillRun.scratchPrefix(run.database);
        // Its maintenance connection and, one at a time, pg_restore's or a check's: both reserved before either opens.
        try (var connections = reserve(server, run.database); Connection admin = connect(server, run.database)) {
            if (!tryLock(admin, prefix)) {
                throw DrillException.refused("drill of " + run.database + " refused: another drill of it is running against " + server);
            }
            dropLeftovers(admin, prefix, server);

            BackupCatalog catalog = new BackupCatalog(run.store);
            Manifest backup = choose(run, catalog, settings.backup());
            run.backupId = backup.id();
            run.backupTime = backup.startedAt();
            run.storedBytes = backup.storedBytes();
            ScratchSpace.require(run.database, backup.rawBytes() * RESTORE_ALLOWANCE,
                    RESTORE_ALLOWANCE + " x the " + backup.rawBytes() + "-byte dump of backup " + backup.id(),
                    settings.scratchSpace(), localDataDirectory(admin, server));

            String scratch = run.scratchName();
            run.scratch = scratch + " on " + server.host() + ":" + server.port();
            execute(admin, "CREATE DATABASE " + quote(scratch) + " TEMPLATE template0", server);
            try {
                restoreAndCheck(run, catalog, backup, server.withDatabase(scratch));
            } finally {
                drop(admin, scratch, server);
            }
        } catch (SQLException e) {
            throw DrillException.failed("drill of " + run.database + " failed: PostgreSQL at " + server + ": " + server.redact(String.valueOf(e.getMessage())), e);
        }
    }

    private void restoreAndCheck(DrillRun run, BackupCatalog catalog, Manifest backup, PgUrl target) throws DrillException, SQLException {
        DatabaseConfig.DrillConfig settings = run.config.drill();
        long t0 = System.nanoTime();
        try {
            new PgRestorer(tools).restore(catalog, backup, new PgRestorer.Options(target, false, true, AgeKeys.identities(run.config), settings.timeout()));
        } catch (IOException | RuntimeException e) {
            String reason = target.redact(String.valueOf(e.getMessage()));
            String damage = damage(catalog, backup);
            throw DrillException.failed("drill of " + run.database + " failed: restore of backup " + backup.id() + " failed: "
                    + (damage != null ? damage : reason), e);
        }
        run.restoreMillis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        run.check(CheckResult.builtin("pg_restore", true, "ok", "SHA-256 verified and pg_restore --single-transaction completed without errors"));

        try (Connection c = jdbc(target)) {
            c.setReadOnly(true);
            run.restoredBytes = longValue(c, "SELECT pg_database_size(current_database())");
            tablesAndRows(run, c, backup);
            for (CheckResult r : UserChecks.run(c, settings.checks(), run.backupTime, run.startedAt, (int) settings.timeout().toSeconds())) {
                run.check(r);
            }
        }
        CheckResult failed = run.checks().stream().filter(r -> !r.passed()).findFirst().orElse(null);
        if (failed != null) {
            throw DrillException.failed("drill of " + run.database + " failed on backup " + backup.id() + ": " + failed.message());
        }
    }

    /**
     * After a failed restore: whether the stored object itself is damaged. Streaming stages may fail (zstd, age)
     * before the checksum is reached, so the object is read once more and its SHA-256 and size compared with the
     * manifest. Returns the mismatch, or null when the object is intact (the failure lies elsewhere).
     */
    static String damage(BackupCatalog catalog, Manifest backup) {
        try (InputStream in = catalog.openData(backup); DigestingInputStream d = new DigestingInputStream(in)) {
            d.drain();
            if (!d.sha256Hex().equalsIgnoreCase(backup.sha256()) || d.count() != backup.storedBytes()) {
                return "checksum mismatch: stored object " + backup.dataKey() + " has SHA-256 " + d.sha256Hex() + " and " + d.count()
                        + " bytes, its manifest says " + backup.sha256() + " and " + backup.storedBytes() + " bytes; the backup is damaged";
            }
            return null;
        } catch (IOException e) {
            return "stored object " + backup.dataKey() + " cannot be read: " + e.getMessage();
        }
    }

    private Manifest choose(DrillRun run, BackupCatalog catalog, String which) throws DrillException {
        List<Manifest> backups;
        try {
            backups = catalog.list();
        } catch (IOException e) {
            throw DrillException.failed("drill of " + run.database + " failed: cannot list backups in " + run.store.describe() + ": " + e.getMessage(), e);
        }
        if (backups.isEmpty()) {
            throw DrillException.refused("drill of " + run.database + " refused: no backups in " + run.store.describe()
                    + "; run lifeboat backup " + run.database + " first");
        }
        // Retention deletes what it does not keep, so every listed backup is within retention.
        return DatabaseConfig.DRILL_BACKUP_RANDOM.equals(which) ? backups.get(random.nextInt(backups.size())) : backups.getLast();
    }

    /** Every table of the manifest exists; row counts equal the manifest's (within tolerance for estimates). */
    private static void tablesAndRows(DrillRun run, Connection c, Manifest backup) throws SQLException {
        List<Manifest.TableRows> tables = backup.tables() == null ? List.of() : backup.tables();
        boolean estimates = Manifest.ROW_COUNTS_ESTIMATE.equals(backup.rowCounts());
        List<String> missing = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        long total = 0;
        for (Manifest.TableRows t : tables) {
            String name = quote(t.schema()) + "." + quote(t.table());
            try (PreparedStatement st = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
                st.setString(1, name);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        missing.add(t.schema() + "." + t.table());
                        continue;
                    }
                }
            }
            long rows = longValue(c, "SELECT count(*) FROM " + name);
            total += rows;
            if (t.rows() >= 0 && !matches(rows, t.rows(), estimates)) {
                wrong.add(t.schema() + "." + t.table() + " has " + rows + " rows, manifest says " + t.rows());
            }
        }
        run.check(CheckResult.builtin("tables", missing.isEmpty(), missing.isEmpty() ? tables.size() + " tables" : "missing " + String.join(", ", missing),
                missing.isEmpty() ? "all " + tables.size() + " tables of the manifest exist"
                        : "backup " + backup.id() + " restored without table(s) " + String.join(", ", missing)));
        run.check(CheckResult.builtin("row-counts", wrong.isEmpty(), wrong.isEmpty() ? total + " rows" : String.join("; ", wrong),
                wrong.isEmpty() ? "row counts match the manifest" + (estimates ? " (within " + (int) (ESTIMATE_TOLERANCE * 100) + "% of its estimates)" : "")
                        : "row counts of backup " + backup.id() + " differ from its manifest: " + String.join("; ", wrong)));
    }

    static boolean matches(long actual, long expected, boolean estimate) {
        if (!estimate) {
            return actual == expected;
        }
        long slack = Math.max(ESTIMATE_SLACK_ROWS, (long) Math.ceil(expected * ESTIMATE_TOLERANCE));
        return Math.abs(actual - expected) <= slack;
    }

    private static PgConnectionBudget.Reservation reserve(PgUrl server, String database) throws DrillException {
        try {
            return PgConnectionBudget.reserve(server, 2, "drill of " + database);
        } catch (java.io.InterruptedIOException e) {
            throw DrillException.failed("drill of " + database + " failed: " + e.getMessage(), e);
        }
    }

    private static Connection connect(PgUrl server, String database) throws DrillException {
        try {
            return jdbc(server);
        } catch (SQLException e) {
            throw DrillException.failed("drill of " + database + " failed: cannot connect to the drill server " + server + ": "
                    + server.redact(String.valueOf(e.getMessage())), e);
        }
    }

    private static Connection jdbc(PgUrl url) throws SQLException {
        return url.connect(new java.util.Properties());
    }

    /** Session-level advisory lock on the maintenance connection: two agents never drill the same database on one server at once. */
    private static boolean tryLock(Connection admin, String prefix) throws SQLException {
        try (PreparedStatement st = admin.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
            st.setInt(1, DRILL_LOCK_CLASS);
            st.setString(2, prefix);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Drops scratch databases of this database left by drills that were killed (only ours: the lock is held). */
    static int dropLeftovers(Connection admin, String prefix, PgUrl server) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement st = admin.prepareStatement("SELECT datname FROM pg_database WHERE starts_with(datname, ?)")) {
            st.setString(1, prefix);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        for (String name : names) {
            drop(admin, name, server);
            LOG.infof("dropped scratch database %s left on %s by an interrupted drill", name, server);
        }
        return names.size();
    }

    /** DROP DATABASE ... WITH (FORCE) (PostgreSQL 13+ ends sessions still connected); older servers get a plain DROP. */
    private static void drop(Connection admin, String name, PgUrl server) throws SQLException {
        try {
            execute(admin, "DROP DATABASE IF EXISTS " + quote(name) + " WITH (FORCE)", server);
        } catch (SQLException e) {
            if (!"42601".equals(e.getSQLState())) {
                throw e;
            }
            execute(admin, "DROP DATABASE IF EXISTS " + quote(name), server);
        }
    }

    /**
     * The server's data directory, when it is on this machine (a loopback server whose directory we can see), so
     * its free space can be measured; null otherwise (the configured {@code scratch-space} is then the only limit).
     */
    private static Path localDataDirectory(Connection admin, PgUrl server) {
        if (!Set.of("127.0.0.1", "localhost", "::1", "[::1]").contains(server.host()) && !server.host().startsWith("/")) {
            return null;
        }
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('data_directory', true)")) {
            String dir = rs.next() ? rs.getString(1) : null;
            return dir != null && Files.isDirectory(Path.of(dir)) ? Path.of(dir) : null;
        } catch (SQLException | RuntimeException e) {
            return null; // not allowed to read it: unknown
        }
    }

    private static void execute(Connection c, String sql, PgUrl server) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static long longValue(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
