package dev.lifeboat.postgres;

import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.Auditor;
import dev.lifeboat.catalog.BackupAudit;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Audits pg_dump backups (every manifest's data object is there, with its size); repairs with a backup out of schedule. */
@ApplicationScoped
public class PgAuditor implements Auditor {
    @Inject
    PgBackupService service;

    @Inject
    PgBackupScheduler scheduler;

    /** One per database: each remembers the manifests it has read. */
    private final Map<String, BackupAudit> audits = new ConcurrentHashMap<>();

    @Override
    public boolean handles(DatabaseConfig db) {
        return db.type() == DatabaseType.POSTGRES;
    }

    @Override
    public AuditReport audit(String name, LifeboatConfig config, boolean deep) throws IOException {
        return audits.computeIfAbsent(name, n -> new BackupAudit()).audit(name, service.catalog(name).store(), deep);
    }

    /** The backups of {@code name} the last audit listed, oldest first (empty before the first audit). */
    public List<Manifest> knownBackups(String name) {
        BackupAudit audit = audits.get(name);
        return audit == null ? List.of() : audit.known();
    }

    @Override
    public String repair(String name, LifeboatConfig config, AuditReport report) {
        return scheduler.backupOutOfSchedule(name, "the newest backup is damaged") ? "a backup out of schedule" : null;
    }
}
