package dev.lifeboat.catalog;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one backup is, stored as {@code manifests/<id>.json} next to its data. A backup exists if and only if its
 * manifest exists: the manifest is written after the data is complete and deleted before the data.
 *
 * @param format          manifest format version ({@value #FORMAT})
 * @param id              unique id; it sorts roughly by time but nothing relies on that (retention uses {@link #startedAt})
 * @param database        the database's name in the configuration
 * @param type            {@code postgres}
 * @param dataKey         key of the data object, relative to the database's folder
 * @param startedAt       when the dump started: the moment the backup represents; retention orders by it
 * @param finishedAt      when the data object was complete
 * @param rawBytes        bytes produced by the dump tool (before compression and encryption)
 * @param storedBytes     bytes of the data object
 * @param sha256          lower-case hex SHA-256 of the data object, checked on every restore and drill
 * @param compression     {@code zstd}, {@code gzip} or {@code none}
 * @param encryption      {@code null} when not encrypted
 * @param serverVersion   PostgreSQL server version ({@code 15.18})
 * @param pgDumpVersion   pg_dump version that wrote the data ({@code 15.18}); restores need pg_restore of this major or newer
 * @param dumpFormat      {@code pg_dump-custom}: the pg_dump archive format inside the compression and encryption
 * @param tables          per-table row counts, for drills to compare a restore against
 * @param rowCounts       how {@link #tables} counts were obtained: {@value #ROW_COUNTS_ESTIMATE} (statistics, see README) or {@value #ROW_COUNTS_EXACT}
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(int format, String id, String database, String type, String dataKey, Instant startedAt,
                       Instant finishedAt, long rawBytes, long storedBytes, String sha256, String compression,
                       Encryption encryption, String serverVersion, String pgDumpVersion, String dumpFormat,
                       List<TableRows> tables, String rowCounts) {
    public static final int FORMAT = 1;
    public static final String ROW_COUNTS_ESTIMATE = "estimate";
    /** {@code count(*)} in the dump's own snapshot (the database's {@code row-counts: exact}). */
    public static final String ROW_COUNTS_EXACT = "exact";
    public static final String DUMP_FORMAT_CUSTOM = "pg_dump-custom";

    /** True when the data is age-encrypted. */
    public boolean encrypted() {
        return encryption != null;
    }

    /** How long the backup took. */
    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }

    /**
     * age encryption of the data object.
     *
     * @param type       {@code age-x25519}
     * @param recipients fingerprints of the recipients ({@code sha256:} + 16 hex digits of the SHA-256 of {@code age1...})
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Encryption(String type, List<String> recipients) {
        public static final String AGE_X25519 = "age-x25519";
    }

    /**
     * Rows of one table at backup time.
     *
     * @param schema schema name
     * @param table  table name
     * @param rows   row count (an estimate when the manifest's {@code rowCounts} says so; -1 when unknown)
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TableRows(String schema, String table, long rows) {
    }
}
