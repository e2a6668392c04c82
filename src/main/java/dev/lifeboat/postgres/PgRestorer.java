package dev.lifeboat.postgres;

import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.UserFacingException;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.stream.RestoreReader;
import dev.lifeboat.stream.ZstdCli;
import dev.lifeboat.stream.age.AgeIdentity;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Restores a PostgreSQL backup into a target database: download → SHA-256 → age decryption → decompression →
 * {@code pg_restore --single-transaction}, streaming, without temporary files.
 *
 * <p>Contract (relied on by {@code lifeboat restore} and by restore drills):
 * <ul>
 *   <li>The target database is created (from template0) when missing. An existing target must be empty unless
 *   {@link Options#clean()}; otherwise a {@link UserFacingException} and nothing is changed.</li>
 *   <li>The checksum and size of the stored object are verified against the manifest <em>before</em> pg_restore
 *   receives the last bytes of the archive: pg_restore runs in one transaction and cannot commit without them, so
 *   a damaged backup changes nothing. age decryption also authenticates every 64 KiB as it streams.</li>
 *   <li>On any failure the target is left as it was; a database this call created is dropped again.</li>
 *   <li>Connections: one of its own at a time (to check and create the target), plus pg_restore's.</li>
 * </ul>
 */
public final class PgRestorer {
    private static final Logger LOG = Logger.getLogger(PgRestorer.class);
    private static final int COPY_BUFFER = 256 * 1024;
    private static final String MAINTENANCE_DATABASE = "postgres";

    /**
     * How to restore.
     *
     * @param target     where to restore; its database is created if missing
     * @param clean      allow a non-empty target: objects in the backup are dropped and recreated ({@code --clean --if-exists})
     * @param noOwner    do not restore ownership (for targets without the original roles)
     * @param identities age identities to decrypt with (needed when the backup is encrypted)
     * @param timeout    longest the restore may take before pg_restore is killed
     */
    public record Options(PgUrl target, boolean clean, boolean noOwner, List<AgeIdentity> identities, Duration timeout) {
    }

    /** What was restored. */
    public record Result(Manifest backup, String target, boolean createdDatabase, long rawBytes, Duration took) {
    }

    private final PgTools tools;

    public PgRestorer(PgTools tools) {
        this.tools = tools;
    }

    /** Restores {@code backup} from {@code catalog}; see the class contract. */
    public Result restore(BackupCatalog catalog, Manifest backup, Options options) throws IOException {
        Instant start = Instant.now();
        if (!DatabaseType.POSTGRES.configName().equals(backup.type()) || !Manifest.DUMP_FORMAT_CUSTOM.equals(backup.dumpFormat())) {
            throw new UserFacingException("backup " + backup.id() + " is a " + backup.type() + " backup, not a pg_dump archive");
        }
        if (backup.encrypted() && options.identities().isEmpty()) {
            throw new UserFacingException("backup " + backup.id() + " is age-encrypted to " + backup.encryption().recipients()
                    + "; give the matching identity file (encryption.identity-files or --identity FILE)");
        }
        PgTools.Tool pgRestore = tools.forServer("pg_restore", PgTools.major(backup.pgDumpVersion()), backup.pgDumpVersion());
        PgUrl target = options.target();
        boolean created = false;
        try (PgSession admin = PgSession.open(target.withDatabase(MAINTENANCE_DATABASE))) {
            if (!admin.databaseExists(target.database())) {
                admin.createDatabase(target.database());
                created = true;
                LOG.infof("created database %s for the restore", target.database());
            }
        }
        try {
            if (!created) {
                try (PgSession session = PgSession.open(target)) {
                    if (!options.clean() && !session.isEmpty()) {
                        throw new UserFacingException("target database " + target + " is not empty; restore into a new database name, "
                                + "or pass --clean to drop and recreate the objects the backup contains");
                    }
                }
            }
            long raw = stream(catalog, backup, options, pgRestore);
            Duration took = Duration.between(start, Instant.now());
            LOG.infof("restored backup %s into %s: %d bytes in %s", backup.id(), target, raw, took);
            return new Result(backup, target.toString(), created, raw, took);
        } catch (IOException | RuntimeException e) {
            if (created) {
                try (PgSession admin = PgSession.open(target.withDatabase(MAINTENANCE_DATABASE))) {
                    admin.dropDatabase(target.database());
                } catch (IOException dropFailed) {
                    e.addSuppressed(dropFailed);
                }
            }
            throw e;
        }
    }

    private long stream(BackupCatalog catalog, Manifest backup, Options options, PgTools.Tool pgRestore) throws IOException {
        List<String> command = new ArrayList<>(List.of(pgRestore.path().toString(), "--single-transaction", "--exit-on-error",
                "--no-password", "--dbname=" + options.target().libpqUrlWithoutPassword()));
        if (options.clean()) {
            command.addAll(List.of("--clean", "--if-exists"));
        }
        if (options.noOwner()) {
            command.add("--no-owner");
        }
        // zstd decompression by the zstd program when installed, piped straight into pg_restore (as backups do).
        Compression compression = Compression.named(backup.compression());
        Optional<Path> zstd = compression == Compression.ZSTD ? ZstdCli.installed() : Optional.empty();
        try (ToolProcess restore = zstd.isPresent()
                ? ToolProcess.startBehindFilter("pg_restore", ZstdCli.decompressCommand(zstd.get()), command, options.target(), options.timeout())
                : ToolProcess.start("pg_restore", command, options.target(), options.timeout());
             InputStream data = catalog.openData(backup);
             RestoreReader reader = RestoreReader.open(data, zstd.isPresent() ? Compression.NONE : compression, backup.encrypted(), options.identities())) {
            OutputStream stdin = restore.stdin();
            byte[] held = new byte[COPY_BUFFER];
            byte[] next = new byte[COPY_BUFFER];
            int heldLength = 0;
            long raw = 0;
            boolean verified = false;
            try {
                int n;
                // The last buffer is held back until the checksum is verified: without it pg_restore cannot commit.
                while ((n = reader.read(next)) >= 0) {
                    if (heldLength > 0) {
                        stdin.write(held, 0, heldLength);
                    }
                    byte[] swap = held;
                    held = next;
                    next = swap;
                    heldLength = n;
                    raw += n;
                }
                reader.verify(backup.sha256(), backup.storedBytes());
                verified = true;
                stdin.write(held, 0, heldLength);
                stdin.close();
            } catch (IOException e) {
                if (!isBrokenPipe(e)) {
                    throw new IOException("restore of backup " + backup.id() + " stopped, nothing committed: " + e.getMessage(), e);
                }
                // pg_restore quit reading: its exit status and stderr below say why.
            }
            try {
                restore.awaitSuccess();
            } catch (IOException toolFailed) {
                if (!verified) {
                    // A damaged object makes zstd or pg_restore fail before the end: the checksum is the cause to name.
                    try {
                        reader.verify(backup.sha256(), backup.storedBytes());
                    } catch (IOException damaged) {
                        damaged.addSuppressed(toolFailed);
                        throw damaged;
                    }
                }
                throw toolFailed;
            }
            if (!verified) {
                // pg_restore finished without the whole archive (not expected): still tell if the object was damaged.
                reader.verify(backup.sha256(), backup.storedBytes());
            }
            // Behind zstd the JVM saw compressed bytes only; the checksum-verified archive is the manifest's dump.
            return zstd.isPresent() ? backup.rawBytes() : raw;
        }
    }

    private static boolean isBrokenPipe(IOException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase();
        return m.contains("broken pipe") || m.contains("stream closed");
    }
}
