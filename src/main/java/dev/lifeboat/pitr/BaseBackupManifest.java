package dev.lifeboat.pitr;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.catalog.Manifest;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.List;

/**
 * What one PITR base backup is, stored as {@code <db>/pitr/base/<id>/manifest.json} after its data objects: the
 * base backup exists if and only if this manifest exists (written last, deleted first).
 *
 * @param format              manifest format version ({@value #FORMAT})
 * @param id                  unique id (UTC start time and random digits); nothing relies on its order
 * @param database            the database's name in the configuration
 * @param startedAt           when pg_basebackup was started
 * @param consistentAt        when pg_basebackup finished: the server had written the backup's end record by then, so
 *                            any recovery target at or after this moment is reachable from this backup; restores and
 *                            retention order by it
 * @param finishedAt          when the data objects were complete
 * @param startLsn            WAL position the backup starts from ({@code 0/4000028}); WAL from here on is needed
 * @param stopLsn             WAL position at which a restore of it becomes consistent
 * @param timeline            timeline of {@link #startLsn}
 * @param startWalFile        WAL segment file of {@link #startLsn} (the oldest WAL a restore of it reads)
 * @param systemIdentifier    the cluster's system identifier (WAL of another cluster cannot be replayed onto it)
 * @param label               the backup label given to the server
 * @param backupLabel         the server's {@code backup_label} file as written into the backup
 * @param tablespaces         the server's tablespaces at backup time ({@code pg_default}, {@code pg_global})
 * @param objects             the stored data objects, each with its checksum
 * @param compression         {@code zstd}, {@code gzip} or {@code none}
 * @param encryption          {@code null} when not encrypted
 * @param serverVersion       PostgreSQL server version ({@code 15.18}); a restore needs server binaries of its major
 * @param pgBasebackupVersion pg_basebackup version that took it
 * @param walSegmentSize      the server's {@code wal_segment_size} in bytes
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BaseBackupManifest(int format, String id, String database, Instant startedAt, Instant consistentAt, Instant finishedAt,
                                 String startLsn, String stopLsn, int timeline, String startWalFile, String systemIdentifier,
                                 String label, String backupLabel, List<String> tablespaces, List<StoredObject> objects,
                                 String compression, Manifest.Encryption encryption, String serverVersion, String pgBasebackupVersion,
                                 long walSegmentSize) {
    public static final int FORMAT = 1;
    /** Name of the tar archive of the main data directory inside {@link #objects}. */
    public static final String BASE_TAR = "base.tar";

    /** The server's WAL segment size (16 MiB when an older manifest lacks it). */
    public long segmentSize() {
        return walSegmentSize > 0 ? walSegmentSize : 16L << 20;
    }

    public boolean encrypted() {
        return encryption != null;
    }

    /** Total stored bytes of the backup's objects. */
    public long storedBytes() {
        return objects.stream().mapToLong(StoredObject::storedBytes).sum();
    }

    /** Total bytes of the tar archives before compression (about the restored data directory's size). */
    public long rawBytes() {
        return objects.stream().mapToLong(StoredObject::rawBytes).sum();
    }

    /**
     * One stored object of a base backup.
     *
     * @param name        what it holds ({@value BaseBackupManifest#BASE_TAR}: the data directory)
     * @param key         its key, relative to the database's folder
     * @param rawBytes    bytes before compression and encryption
     * @param storedBytes bytes of the object
     * @param sha256      lower-case hex SHA-256 of the object, verified before any of its bytes is used
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StoredObject(String name, String key, long rawBytes, long storedBytes, String sha256) {
    }
}
