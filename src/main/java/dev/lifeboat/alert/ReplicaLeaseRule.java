package dev.lifeboat.alert;

import dev.lifeboat.store.WriterLease;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code replica-lease-held-elsewhere}: another agent holds the writer lease of a SQLite database's replica, so this
 * one stands by and ships nothing. Right on a standby machine; wrong when two machines were meant to replicate two
 * different databases but point at one replica path.
 */
public final class ReplicaLeaseRule {
    public static final String ID = "replica-lease-held-elsewhere";
    public static final Severity SEVERITY = Severity.WARNING;

    private ReplicaLeaseRule() {
    }

    public static Condition evaluate(String database, WriterLease.Status lease) {
        boolean firing = "standby".equals(lease.state());
        String summary = firing
                ? "replica of database " + database + " is written by another agent (" + lease.holder() + ", lease until "
                        + lease.expires() + "); this agent stands by and takes over if that one stops renewing"
                : "this agent holds the replica lease of database " + database + " or no one else does";
        Map<String, String> values = new LinkedHashMap<>();
        if (firing) {
            values.put("holder", String.valueOf(lease.holder()));
            values.put("expires", String.valueOf(lease.expires()));
        }
        return new Condition(ID, database, SEVERITY, firing, summary, Map.of("database", database), values);
    }
}
