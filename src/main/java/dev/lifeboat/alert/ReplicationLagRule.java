package dev.lifeboat.alert;

import dev.lifeboat.runtime.Human;

import java.time.Duration;
import java.util.Map;

/** {@code replication-lag}: SQLite changes older than {@code alerts.thresholds.max-replication-lag} are not yet shipped. */
public final class ReplicationLagRule {
    public static final String ID = "replication-lag";
    public static final Severity SEVERITY = Severity.WARNING;

    private ReplicationLagRule() {
    }

    /** @param lag age of the oldest change not yet in the replica (zero when caught up) */
    public static Condition evaluate(String database, Duration lag, Duration maxLag) {
        boolean firing = lag.compareTo(maxLag) > 0;
        String summary = "replication of database " + database + " is " + Human.duration(lag) + " behind (limit " + Human.duration(maxLag) + ")";
        return new Condition(ID, database, SEVERITY, firing, summary, Map.of("database", database),
                Map.of("lag", lag.toString(), "maxLag", maxLag.toString()));
    }
}
