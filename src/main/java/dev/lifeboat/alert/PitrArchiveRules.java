package dev.lifeboat.alert;

import dev.lifeboat.pitr.WalArchiveStatus;
import dev.lifeboat.runtime.Human;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The WAL archiving rules of point-in-time recovery, pure functions of a {@link WalArchiveStatus}:
 * {@code pitr-archive-lag} (WAL the server wrote has waited longer than the limit to be archived: the RPO is
 * growing), {@code pitr-slot-retained-wal} (the slot keeps more WAL than the limit on the server: its disk is
 * filling) and {@code pitr-archive-error} (archiving fails, the server's preflight does not pass, or the archive holds
 * two different objects of one WAL file: {@link dev.lifeboat.pitr.WalArchive.Conflict}).
 */
public final class PitrArchiveRules {
    public static final String LAG = "pitr-archive-lag";
    public static final String RETAINED = "pitr-slot-retained-wal";
    public static final String ERROR = "pitr-archive-error";

    private PitrArchiveRules() {
    }

    /** The three conditions for one database; a figure not known yet reports nothing for its rule. */
    public static List<Condition> evaluate(String database, WalArchiveStatus s, Duration maxLag, long maxRetained) {
        List<Condition> out = new java.util.ArrayList<>();
        Map<String, String> labels = Map.of("database", database);
        if (s.lagSeconds() != null) {
            Duration lag = s.lag();
            Map<String, String> values = new HashMap<>(Map.of("lag", lag.toString(), "maxLag", maxLag.toString()));
            if (s.lagBytes() != null) {
                values.put("lagBytes", Long.toString(s.lagBytes()));
            }
            out.add(new Condition(LAG, database, Severity.CRITICAL, lag.compareTo(maxLag) > 0,
                    "WAL archiving of postgres " + database + " is " + Human.duration(lag) + " behind"
                            + (s.lagBytes() == null ? "" : " (" + Human.bytes(s.lagBytes()) + ")") + ", limit " + Human.duration(maxLag)
                            + (s.lastError() == null ? "" : "; last error: " + s.lastError()), labels, values));
        }
        if (s.slotRetainedBytes() != null) {
            out.add(new Condition(RETAINED, database, Severity.WARNING, s.slotRetainedBytes() > maxRetained,
                    "replication slot " + s.slot() + " of postgres " + database + " keeps " + Human.bytes(s.slotRetainedBytes())
                            + " of WAL on the server (limit " + Human.bytes(maxRetained) + "); the server's disk fills until archiving catches up"
                            + " (or drop the slot if PITR is off: SELECT pg_drop_replication_slot('" + s.slot() + "'))",
                    labels, Map.of("retainedBytes", Long.toString(s.slotRetainedBytes()), "limitBytes", Long.toString(maxRetained))));
        }
        if (!"starting".equals(s.state())) {
            boolean failing = s.lastError() != null || !s.preflightProblems().isEmpty();
            boolean conflicts = !s.walConflicts().isEmpty();
            String message = failing ? "WAL archiving of postgres " + database + " fails: " + s.lastError()
                    : conflicts ? "WAL archive of postgres " + database + " holds conflicting objects: " + String.join("; ", s.walConflicts())
                    : "WAL archiving of postgres " + database + " works";
            if (failing && conflicts) {
                message += "; and conflicting objects: " + String.join("; ", s.walConflicts());
            }
            out.add(new Condition(ERROR, database, Severity.CRITICAL, failing || conflicts, message,
                    labels, Map.of("state", s.state(), "conflicts", Integer.toString(s.walConflicts().size()))));
        }
        return out;
    }
}
