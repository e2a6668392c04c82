package dev.lifeboat.postgres;

import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.runtime.TrackedRun;
import dev.lifeboat.stream.BackupWriter;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.stream.ZstdCli;
import dev.lifeboat.stream.age.Age;
import dev.lifeboat.stream.age.AgeKeys;
import dev.lifeboat.stream.age.AgeRecipient;
import dev.lifeboat.store.Upload;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One backup of one PostgreSQL database: {@code pg_dump -Fc -Z0} → compression → age → SHA-256 → multipart
 * upload, then the manifest. Memory is bounded by the store's part size whatever the database size; no temporary
 * files.
 *
 * <p>Order of events, each failure leaving no listed backup and no open upload:
 * <ol>
 *   <li>connect (the agent's one connection), check that pg_dump's major version is at least the server's;</li>
 *   <li>take the advisory lock ({@link PgSession}); if another agent holds it, {@link LockBusyException};</li>
 *   <li>clean up what interrupted earlier runs left (incomplete uploads, data without a manifest);</li>
 *   <li>stream the dump; pg_dump's non-zero exit, the timeout or a store error aborts the upload;</li>
 *   <li>complete the data object, then publish the manifest — the backup exists from that moment.</li>
 * </ol>
 */
public final class PgBackup {
    private static final Logger LOG = Logger.getLogger(PgBackup.class);
    private static final int COPY_BUFFER = 256 * 1024;

    /** What to dump and how to store it. */
    public record Settings(String database, PgUrl url, PgSelection selection, boolean exactRowCounts, Compression compression,
                           List<AgeRecipient> recipients, Duration timeout) {
        /** From a database's configuration (already validated). */
        public static Settings of(String name, DatabaseConfig db) {
            PgSelection selection = PgSelection.of(db.pgDump());
            List<AgeRecipient> recipients = AgeKeys.recipients(db);
            return new Settings(name, PgUrl.parse(db.url().orElseThrow()), selection, db.rowCounts().equals(Manifest.ROW_COUNTS_EXACT),
                    db.compression(), recipients, db.timeout());
        }
    }

    /** Another agent (or this one) is dumping this database right now; nothing was done. */
    public static final class LockBusyException extends IOException {
        public LockBusyException(String message) {
            super(message);
        }
    }

    private final Settings settings;
    private final BackupCatalog catalog;
    private final PgTools tools;
    private final Clock clock;
    private TrackedRun<?> progress;

    public PgBackup(Settings settings, BackupCatalog catalog, PgTools tools, Clock clock) {
        this.settings = settings;
        this.catalog = catalog;
        this.tools = tools;
        this.clock = clock;
    }

    /** Reports phases and the bytes read from the dump pipeline into {@code run} while running. */
    public PgBackup withProgress(TrackedRun<?> run) {
        this.progress = run;
        return this;
    }

    private void phase(String phase) {
        if (progress != null) {
            progress.phase(phase);
        }
    }

    /** Runs the backup and returns its published manifest; any exception means no backup was added. */
    public Manifest run() throws IOException {
        // The session and pg_dump: both reserved before either opens (see PgConnectionBudget).
        try (var connections = PgConnectionBudget.reserve(settings.url(), 2, "backup of " + settings.database());
             PgSession session = PgSession.open(settings.url())) {
            String serverVersion = session.serverVersion();
            PgTools.Tool pgDump = tools.forServer("pg_dump", PgTools.major(serverVersion), serverVersion);
            if (!session.tryBackupLock()) {
                throw new LockBusyException("another backup of " + settings.url() + " is running (advisory lock held); skipped");
            }
            catalog.cleanUpLeftovers();
            if (!settings.exactRowCounts()) {
                List<Manifest.TableRows> estimates = session.estimatedRowCounts(settings.selection());
                return dump(pgDump, serverVersion, Optional.empty(), CompletableFuture.completedFuture(estimates));
            }
            // pg_dump dumps this session's snapshot while the session counts the same tables in it, in parallel.
            String snapshot = session.exportSnapshot();
            List<Manifest.TableRows> tables = session.estimatedRowCounts(settings.selection());
            CompletableFuture<List<Manifest.TableRows>> counts = new CompletableFuture<>();
            Thread.ofVirtual().name("lifeboat-row-counts-" + settings.database()).start(() -> {
                try {
                    counts.complete(session.exactRowCounts(tables));
                } catch (Throwable e) {
                    counts.completeExceptionally(e);
                }
            });
            try {
                return dump(pgDump, serverVersion, Optional.of(snapshot), counts);
            } finally {
                if (!counts.isDone()) {
                    session.cancelQuery(); // the dump failed: stop counting rather than scan on for nothing
                }
                counts.handle((done, failed) -> null).join(); // the session closes only once nothing uses it
            }
        }
    }

    private Manifest dump(PgTools.Tool pgDump, String serverVersion, Optional<String> snapshot,
                          CompletableFuture<List<Manifest.TableRows>> rowCounts) throws IOException {
        Instant started = clock.instant();
        String id = BackupCatalog.newId(started);
        String suffix = ".pgdump" + settings.compression().extension() + (settings.recipients().isEmpty() ? "" : ".age");
        String dataKey = BackupCatalog.dataKey(id, suffix);
        List<String> command = new ArrayList<>(List.of(pgDump.path().toString(), "--format=custom", "--compress=0",
                "--no-password", "--dbname=" + settings.url().libpqUrlWithoutPassword()));
        snapshot.ifPresent(s -> command.add("--snapshot=" + s));
        command.addAll(settings.selection().pgDumpArgs());
        // zstd compression by the zstd program when installed: pg_dump's output then never passes through the JVM.
        Optional<Path> zstd = settings.compression() == Compression.ZSTD ? ZstdCli.installed() : Optional.empty();
        phase("dumping");
        LOG.infof("backup %s of %s started with %s %s%s", id, settings.database(), pgDump.path(), pgDump.version(),
                zstd.map(z -> " | " + z).orElse(""));
        BackupWriter writer;
        long rawBytes;
        List<Manifest.TableRows> rows;
        try (ToolProcess dump = zstd.isPresent()
                ? ToolProcess.startFiltered("pg_dump", command, ZstdCli.compressCommand(zstd.get()), settings.url(), settings.timeout())
                : ToolProcess.start("pg_dump", command, settings.url(), settings.timeout());
             Upload upload = catalog.store().beginUpload(dataKey)) {
            writer = BackupWriter.open(upload, zstd.isPresent() ? Compression.NONE : settings.compression(), settings.recipients());
            byte[] buffer = new byte[COPY_BUFFER];
            try (InputStream out = dump.stdout()) {
                while (true) {
                    int n;
                    try {
                        n = out.read(buffer);
                    } catch (IOException readFailed) {
                        // pg_dump's side: killed at the timeout (which closes the pipe) or gone; its exit says why.
                        dump.awaitSuccess();
                        throw new IOException("reading pg_dump's output failed: " + readFailed.getMessage() + dump.reason(), readFailed);
                    }
                    if (n < 0) {
                        break;
                    }
                    try {
                        writer.write(buffer, 0, n);
                        if (progress != null) {
                            progress.addBytes(n);
                        }
                    } catch (IOException e) {
                        // A store failure while pg_dump streams; pg_dump's own error (if any) says more.
                        throw new IOException("upload of " + dataKey + " failed: " + e.getMessage() + dump.reason(), e);
                    }
                }
            }
            writer.close();
            dump.awaitSuccess();
            rawBytes = zstd.isPresent() ? dumpedBytes(dump, writer) : writer.rawBytes();
            rows = rowsCounted(rowCounts);
            upload.complete();
        }
        phase("publishing");
        Instant finished = clock.instant();
        Manifest manifest = new Manifest(Manifest.FORMAT, id, settings.database(), DatabaseType.POSTGRES.configName(), dataKey, started, finished,
                rawBytes, writer.storedBytes(), writer.storedSha256(), settings.compression().configName(),
                settings.recipients().isEmpty() ? null : new Manifest.Encryption(Manifest.Encryption.AGE_X25519, Age.fingerprints(settings.recipients())),
                serverVersion, pgDump.version(), Manifest.DUMP_FORMAT_CUSTOM, rows,
                snapshot.isPresent() ? Manifest.ROW_COUNTS_EXACT : Manifest.ROW_COUNTS_ESTIMATE);
        try {
            catalog.publish(manifest);
        } catch (IOException e) {
            if (catalog.isPublished(manifest)) {
                // The manifest write succeeded but its answer was lost: the backup exists, its data must stay.
                LOG.warnf("backup %s of %s: manifest confirmed after an error (%s)", id, settings.database(), e.getMessage());
                return manifest;
            }
            try {
                catalog.store().deleteAll(List.of(dataKey));
            } catch (IOException ignored) {
                // left as an orphan: removed by the next run's clean-up
            }
            throw new IOException("backup data written but its manifest could not be: " + e.getMessage(), e);
        }
        LOG.infof("backup %s of %s done: %d bytes dumped, %d stored (%s%s) in %s", id, settings.database(), rawBytes,
                writer.storedBytes(), settings.compression().configName(), settings.recipients().isEmpty() ? "" : ", age",
                manifest.duration());
        return manifest;
    }

    private static List<Manifest.TableRows> rowsCounted(CompletableFuture<List<Manifest.TableRows>> rowCounts) throws IOException {
        try {
            return rowCounts.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("counting rows failed: " + e.getCause(), e.getCause());
        }
    }

    /** pg_dump's byte count as the zstd program reported it; its compressed count must match what was received. */
    private long dumpedBytes(ToolProcess dump, BackupWriter writer) {
        return ZstdCli.inputBytes(dump.filterStderr(), writer.rawBytes()).orElseGet(() -> {
            // Only the manifest's raw size (used to size drills' scratch space) is affected: keep the backup.
            LOG.warnf("zstd's report gave no byte count matching the %d bytes received; the manifest records that as the "
                    + "dump's size (a lower bound). zstd said: %s", writer.rawBytes(), dump.filterStderr());
            return writer.rawBytes();
        });
    }
}
