package dev.lifeboat.sqlite;

import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.Auditor;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.store.Destinations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;

/**
 * Audits SQLite replicas: through the running replicator's store and ledger when this process replicates the
 * database, else (the CLI, a refused volume) the generation a restore would pick. Repairs by starting a new
 * generation at once: its snapshot makes everything committed so far restorable again.
 */
@ApplicationScoped
public class SqliteAuditor implements Auditor {
    @Inject
    ReplicationService replication;

    /** Stores opened once per destination: an audit every few minutes must not open (and leak) a client each time. */
    @Inject
    Destinations destinations;

    @Override
    public boolean handles(DatabaseConfig db) {
        return db.type() == DatabaseType.SQLITE;
    }

    @Override
    public AuditReport audit(String name, LifeboatConfig config, boolean deep) throws IOException {
        Replicator r = replication.replicators().get(name);
        if (r != null) {
            return new ReplicaAudit(r.store(), r.codec()).audit(name, r.ledger().view(), deep);
        }
        return new ReplicaAudit(destinations.forDatabase(name), ReplicaCodec.of(config.databases().get(name))).audit(name, null, deep);
    }

    @Override
    public String repair(String name, LifeboatConfig config, AuditReport report) {
        Replicator r = replication.replicators().get(name);
        if (r == null) {
            return null;
        }
        r.startNewGeneration("the replica is damaged: " + report.summary());
        return "a new generation with a new snapshot";
    }
}
