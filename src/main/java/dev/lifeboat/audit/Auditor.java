package dev.lifeboat.audit;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;

import java.io.IOException;

/**
 * Establishes a database's restorable point from its destination. Each capability that writes backups (sqlite
 * replication, postgres dumps) implements this as a CDI bean; {@link AuditService} runs them on an interval and
 * {@code lifeboat verify} on demand. Implementations make cheap calls only (listings, sizes, manifests they have not
 * read before) unless asked for a deep audit, and never throw for a damaged replica: damage is a report, not an error.
 * An {@link IOException} means the destination could not be asked (unreachable), which says nothing of the replica.
 */
public interface Auditor {
    /** True when this auditor handles {@code db}'s type. */
    boolean handles(DatabaseConfig db);

    /**
     * Audits database {@code name}. {@code deep}: also downloads every object a restore of the newest point reads
     * and checks its checksum.
     */
    AuditReport audit(String name, LifeboatConfig config, boolean deep) throws IOException;

    /**
     * Starts what makes the newest point restorable again after {@code report} found it damaged (a new snapshot in a
     * new generation, a backup out of schedule), in the background when this process replicates or schedules the
     * database; returns what it started, or null when it cannot repair here.
     */
    String repair(String name, LifeboatConfig config, AuditReport report);
}
