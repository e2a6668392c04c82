package dev.lifeboat.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.Redaction;
import dev.lifeboat.audit.AuditStatus;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.drill.DrillOverview;
import dev.lifeboat.pitr.WalArchiveStatus;
import dev.lifeboat.postgres.BackupStatus;
import dev.lifeboat.postgres.health.PgHealthReport;
import dev.lifeboat.sqlite.ReplicationStatus;
import dev.lifeboat.store.WriterLease;

/**
 * A database in the status API: its configuration (URL redacted) and what each capability reports on it. Fields
 * that do not apply are absent: {@code path} and {@code syncInterval} for PostgreSQL, {@code schedule} and
 * {@code compression} for SQLite, {@code replication} for databases not replicated, {@code backup} for SQLite,
 * {@code drill} before any drill is scheduled or run, {@code audit} before the first audit of the destination (its
 * restorable point, what status and readiness call restorable), {@code health} before the first poll of a PostgreSQL
 * server by the health watch (or with {@code health.enabled: false}), {@code lease} for databases this agent does not
 * replicate (SQLite's one-writer lease in the replica: held, standby with the holder, or unknown), {@code walArchive} unless {@code pitr.enabled}. A new field is a component here and a line in {@link #of}.
 *
 * @param syncInterval how often a SQLite database is synced, ISO-8601 ({@code PT1S})
 * @param encrypted    backups are encrypted with age
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatabaseStatus(String type, String destination, String path, String url, String schedule, String compression,
                             String syncInterval, boolean encrypted, ReplicationStatus replication, BackupStatus backup,
                             DrillOverview drill, AuditStatus audit, PgHealthReport health, WriterLease.Status lease,
                             WalArchiveStatus walArchive, dev.lifeboat.pitr.BaseBackupStatus pitrBaseBackup) {

    static DatabaseStatus of(String name, DatabaseConfig db, StatusAssembler from) {
        boolean postgres = switch (db.type()) {
            case POSTGRES -> true;
            case SQLITE -> false;
        };
        return new DatabaseStatus(db.type().configName(), db.destination(), db.path().orElse(null), db.url().map(Redaction::url).orElse(null),
                postgres ? db.schedule().text() : null, postgres ? db.compression().configName() : null,
                postgres ? null : db.syncInterval().toString(), db.encryption().isPresent(),
                from.replication.status(name).orElse(null), postgres ? from.backups.state(name).status() : null,
                from.drills.of(name).orElse(null), from.audits.status(name).orElse(null),
                postgres ? from.health.report(name).orElse(null) : null, from.replication.lease(name).orElse(null),
                from.walArchives.status(name).orElse(null), postgres ? from.baseBackups.status(name).orElse(null) : null);
    }
}
