package dev.lifeboat.alert;

import java.util.Map;

/** {@code replication-error}: shipping a SQLite database's WAL is failing right now. */
public final class ReplicationErrorRule {
    public static final String ID = "replication-error";
    public static final Severity SEVERITY = Severity.CRITICAL;

    private ReplicationErrorRule() {
    }

    /** @param lastError the current error (free of secrets), or null while replication works */
    public static Condition evaluate(String database, String lastError) {
        boolean firing = lastError != null;
        String summary = firing ? "replication of database " + database + " is failing: " + lastError
                : "replication of database " + database + " works";
        return new Condition(ID, database, SEVERITY, firing, summary, Map.of("database", database),
                firing ? Map.of("error", lastError) : Map.of());
    }
}
