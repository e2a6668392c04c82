package dev.lifeboat.audit;

import dev.lifeboat.config.LifeboatConfig;

/** Lets tests outside this package start the app's audits (the agent does so at start-up) and audit a database now. */
public final class AuditControl {
    private AuditControl() {
    }

    /** Starts auditing {@code config}'s databases on their {@code audit-interval}; a no-op once started. */
    public static void start(AuditService audits, LifeboatConfig config) {
        audits.start(config);
    }

    /** One audit of {@code database} now, starting a repair when its newest point is damaged. */
    public static void auditNow(AuditService audits, String database) {
        audits.auditAndRepair(database);
    }
}
