package dev.lifeboat.pitr;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.postgres.ToolProcess;
import dev.lifeboat.store.Upload;
import dev.lifeboat.stream.BackupWriter;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.stream.ZstdCli;
import dev.lifeboat.stream.age.Age;
import dev.lifeboat.stream.age.AgeKeys;
import dev.lifeboat.stream.age.AgeRecipient;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One PITR base backup: {@code pg_basebackup -Ft -X none -D -} (a tar stream of the data directory on stdout, no
 * temporary copy anywhere) → compression → age → SHA-256 → multipart upload under {@code pitr/base/<id>/}, then the
 * manifest. The tar stream passes through the JVM once, read by {@link BaseBackupTarWatch} for the backup label and
 * WAL range; with the zstd program installed it compresses (a kernel-speed stage beside us, fed through its stdin),
 * otherwise the pure-Java stage does. WAL is not in the backup: the archiver ships it, and a restore fetches it.
 *
 * <p>Every failure (preflight, pg_basebackup's exit, zstd, the store) leaves no manifest and aborts the upload.
 */
public final class PitrBaseBackup {
    private static final Logger LOG = Logger.getLogger(PitrBaseBackup.class);
    private static final int COPY_BUFFER = 256 * 1024;

    /** What to back up and how to store it. */
    public record Settings(String database, PgUrl url, Compression compression, List<AgeRecipient> recipients, Duration timeout) {
        public static Settings of(String name, DatabaseConfig db) {
            return new Settings(name, PgUrl.parse(db.url().orElseThrow()), db.compression(), AgeKeys.recipients(db), db.timeout());
        }
    }

    private final Settings settings;
    private final BaseBackupCatalog catalog;
    private final PgTools tools;
    private final Clock clock;

    public PitrBaseBackup(Settings settings, BaseBackupCatalog catalog, PgTools tools, Clock clock) {
        this.settings = settings;
        this.catalog = catalog;
        this.tools = tools;
        this.clock = clock;
    }

    /** Takes the base backup and returns its published manifest; any exception means no base backup was added. */
    public BaseBackupManifest run() throws IOException {
        BaseBackupPreflight.Server server = BaseBackupPreflight.check(settings.database(), settings.url());
        PgTools.Tool tool = tool(server.version());
        catalog.cleanUpLeftovers();
        Instant started = clock.instant();
        String id = PitrLayout.newBaseBackupId(started);
        String key = PitrLayout.baseDataKey(id, BaseBackupManifest.BASE_TAR, settings.compression(), !settings.recipients().isEmpty());
        List<String> command = List.of(tool.path().toString(), "--dbname=" + settings.url().libpqUrlWithoutPassword(),
                "--format=tar", "--wal-method=none", "--pgdata=-", "--checkpoint=fast", "--label=lifeboat " + id, "--no-password");
        Optional<Path> zstd = settings.compression() == Compression.ZSTD ? ZstdCli.installed() : Optional.empty();
        LOG.infof("base backup %s of %s started with %s %s%s", id, settings.database(), tool.path(), tool.version(),
                zstd.map(z -> " | " + z).orElse(""));

        BackupWriter writer;
        BaseBackupTarWatch.Observed seen;
        Instant consistent;
        try (ToolProcess basebackup = ToolProcess.start("pg_basebackup", command, settings.url(), settings.timeout());
             Upload upload = catalog.store().beginUpload(key)) {
            writer = BackupWriter.open(upload, zstd.isPresent() ? Compression.NONE : settings.compression(), settings.recipients());
            try {
                seen = zstd.isPresent() ? throughZstdProgram(basebackup, zstd.get(), writer) : copy(basebackup, writer);
            } catch (UploadFailed e) {
                throw new IOException("base backup " + id + " of " + settings.database() + " failed: " + e.getMessage(), e);
            } catch (IOException e) {
                // pg_basebackup's stream broke: its own account (refused, failed, killed at the timeout) says why
                throw new IOException("base backup " + id + " of " + settings.database() + " failed: " + toolFailure(basebackup).orElse(e.getMessage()), e);
            }
            basebackup.awaitSuccess();
            consistent = clock.instant();
            writer.close();
            upload.complete();
        }
        Instant finished = clock.instant();
        BaseBackupManifest manifest = new BaseBackupManifest(BaseBackupManifest.FORMAT, id, settings.database(), started, consistent, finished,
                seen.startLsn(), seen.stopLsn(), seen.timeline(), seen.startWalFile(), server.systemIdentifier(), "lifeboat " + id,
                seen.backupLabel(), server.tablespaces(),
                List.of(new BaseBackupManifest.StoredObject(BaseBackupManifest.BASE_TAR, key, seen.rawBytes(), writer.storedBytes(), writer.storedSha256())),
                settings.compression().configName(),
                settings.recipients().isEmpty() ? null : new Manifest.Encryption(Manifest.Encryption.AGE_X25519, Age.fingerprints(settings.recipients())),
                server.version(), tool.version(), server.walSegmentSize());
        try {
            catalog.publish(manifest);
        } catch (IOException e) {
            if (catalog.isPublished(manifest)) {
                LOG.warnf("base backup %s of %s: manifest confirmed after an error (%s)", id, settings.database(), e.getMessage());
                return manifest;
            }
            try {
                catalog.store().deleteAll(List.of(key));
            } catch (IOException ignored) {
                // removed by the next run's clean-up
            }
            throw new IOException("base backup data written but its manifest could not be: " + e.getMessage(), e);
        }
        LOG.infof("base backup %s of %s done: %d bytes read, %d stored, WAL %s..%s on timeline %d, in %s", id, settings.database(),
                seen.rawBytes(), writer.storedBytes(), seen.startLsn(), seen.stopLsn(), seen.timeline(), Duration.between(started, finished));
        return manifest;
    }

    /**
     * pg_basebackup of the server's major version or newer: older clients refuse newer servers ("incompatible server
     * version"), and pg_basebackup 15 still reads servers back to 9.1 (base backups here need 13+ for the manifest).
     */
    private PgTools.Tool tool(String serverVersion) {
        int major = PgTools.major(serverVersion);
        if (major < 13) {
            throw new UserFacingException("PITR base backups need PostgreSQL 13 or newer (for backup manifests); the server runs " + serverVersion,
                    "upgrade the server or set databases." + settings.database() + ".pitr.enabled: false");
        }
        return tools.forServer("pg_basebackup", major, serverVersion);
    }

    /**
     * When pg_basebackup has ended (refused, failed, killed at the timeout), its own account, which says more than the
     * broken stream it left; empty while it still runs (the failure was ours: it is killed).
     */
    private static Optional<String> toolFailure(ToolProcess basebackup) {
        Optional<ProcessHandle> handle = ProcessHandle.of(basebackup.pid());
        try {
            if (handle.isPresent()) {
                handle.get().onExit().get(5, java.util.concurrent.TimeUnit.SECONDS); // a killed process takes a moment to go
            }
        } catch (Exception stillRunning) {
            basebackup.close();
            return Optional.empty();
        }
        try {
            basebackup.awaitSuccess();
            return Optional.empty();
        } catch (IOException failed) {
            return Optional.of(failed.getMessage());
        }
    }

    /** The store's side failed (not pg_basebackup's): reported as such, whatever pg_basebackup then says. */
    private static final class UploadFailed extends IOException {
        UploadFailed(Throwable cause) {
            super("upload failed: " + cause.getMessage(), cause);
        }
    }

    /** pg_basebackup → watch → stages in the JVM. */
    private static BaseBackupTarWatch.Observed copy(ToolProcess basebackup, BackupWriter writer) throws IOException {
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    writer.write(b, off, len);
                } catch (IOException e) {
                    throw new UploadFailed(e);
                }
            }
        };
        try (InputStream tar = basebackup.stdout()) {
            return BaseBackupTarWatch.copy(tar, sink);
        }
    }

    /**
     * pg_basebackup → watch → zstd's stdin; zstd's stdout → age/SHA-256 → upload on a second thread. A failure of
     * either side kills zstd, so that the other side stops at once rather than blocking on a full pipe.
     */
    private static BaseBackupTarWatch.Observed throughZstdProgram(ToolProcess basebackup, Path zstd, BackupWriter writer) throws IOException {
        Process compressor = new ProcessBuilder(ZstdCli.compressCommand(zstd)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<Void> pump = new CompletableFuture<>();
        Thread.ofVirtual().name("lifeboat-basebackup-upload").start(() -> {
            byte[] buffer = new byte[COPY_BUFFER];
            try (InputStream compressed = compressor.getInputStream()) {
                int n;
                while ((n = compressed.read(buffer)) >= 0) {
                    writer.write(buffer, 0, n);
                }
                pump.complete(null);
            } catch (Throwable e) {
                compressor.destroyForcibly();
                pump.completeExceptionally(e);
            }
        });
        try {
            BaseBackupTarWatch.Observed seen;
            try (InputStream tar = basebackup.stdout(); OutputStream toZstd = compressor.getOutputStream()) {
                seen = BaseBackupTarWatch.copy(tar, toZstd);
            } catch (IOException e) {
                // zstd's stdin is closed: it finishes and the upload side ends normally unless it had failed itself,
                // which is then the cause (the write into zstd only met the broken pipe it left)
                Optional<Throwable> upload = uploadFailure(pump);
                if (upload.isPresent()) {
                    throw new UploadFailed(upload.get());
                }
                throw e;
            }
            int exit = compressor.waitFor();
            pump.join();
            if (exit != 0) {
                throw new IOException("zstd exited with code " + exit);
            }
            return seen;
        } catch (CompletionException e) {
            throw new UploadFailed(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } finally {
            compressor.destroyForcibly();
        }
    }

    private static Optional<Throwable> uploadFailure(CompletableFuture<Void> pump) {
        try {
            pump.get(10, java.util.concurrent.TimeUnit.SECONDS);
            return Optional.empty();
        } catch (java.util.concurrent.ExecutionException e) {
            return Optional.of(e.getCause());
        } catch (Exception timeoutOrInterrupt) {
            return Optional.empty();
        }
    }
}
