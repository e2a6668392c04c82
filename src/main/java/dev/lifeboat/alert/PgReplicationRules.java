package dev.lifeboat.alert;

import dev.lifeboat.postgres.health.PgHealthReport;
import dev.lifeboat.runtime.Human;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * PostgreSQL streaming replication rules over one {@link PgHealthReport}: {@code pg-replication-lag} (a primary's
 * standbys, or a standby's own replay) and {@code pg-standby-missing} (a standby named in
 * {@code health.expected-standbys} is not connected to the primary). The subject is the database's name.
 */
public final class PgReplicationRules {
    public static final String LAG = "pg-replication-lag";
    public static final String STANDBY_MISSING = "pg-standby-missing";

    private PgReplicationRules() {
    }

    /** How far behind is too far: warning past {@code warn} or {@code warnBytes}, critical past {@code critical}. */
    public record Limits(Duration warn, long warnBytes, Duration critical) {
    }

    /** On a primary: its worst standby. */
    public static Condition primaryLag(String db, List<PgHealthReport.Standby> standbys, Limits limits) {
        // The worst is the one whose lag is most severe (critical, then over a warning limit), then the furthest behind.
        PgHealthReport.Standby worst = standbys.stream().max(Comparator.comparingInt((PgHealthReport.Standby s) -> rank(s, limits))
                .thenComparingDouble(s -> seconds(s.replayLagSeconds())).thenComparingLong(s -> bytes(s.replayLagBytes()))).orElse(null);
        if (worst == null) {
            return new Condition(LAG, db, Severity.WARNING, false, "postgres " + db + ": no standby connected", Map.of("database", db), Map.of());
        }
        double s = seconds(worst.replayLagSeconds());
        long b = bytes(worst.replayLagBytes());
        String all = standbys.stream().map(x -> x.name() + " " + lagText(seconds(x.replayLagSeconds()), bytes(x.replayLagBytes())))
                .collect(Collectors.joining(", "));
        Map<String, String> values = new LinkedHashMap<>();
        values.put("standby", worst.name());
        values.put("replayLagSeconds", Double.toString(s));
        values.put("replayLagBytes", Long.toString(b));
        return condition(db, s, b, limits, "postgres " + db + ": standby " + worst.name() + " (" + worst.state() + ") replays "
                + lagText(s, b) + " behind" + (standbys.size() > 1 ? " (all: " + all + ")" : ""), values);
    }

    /** On a standby: WAL received but not replayed, and how old the newest replayed transaction is while there is some. */
    public static Condition standbyLag(String db, PgHealthReport.Recovery r, Limits limits) {
        double s = seconds(r.replayLagSeconds());
        long b = bytes(r.replayLagBytes());
        String state = b == 0 && s == 0 ? "has replayed everything it received (an idle primary is not a lag)"
                : "replays " + lagText(s, b) + " behind what it received" + (Boolean.TRUE.equals(r.replayPaused())
                ? "; replay is paused: SELECT pg_wal_replay_resume()" : "");
        Map<String, String> values = new LinkedHashMap<>();
        values.put("replayLagSeconds", Double.toString(s));
        values.put("replayLagBytes", Long.toString(b));
        values.put("receiveLsn", String.valueOf(r.receiveLsn()));
        values.put("replayLsn", String.valueOf(r.replayLsn()));
        values.put("receiver", String.valueOf(r.receiverStatus()));
        return condition(db, s, b, limits, "postgres " + db + " (standby) " + state
                + (r.receiverStatus() == null || r.receiverStatus().equals("streaming") ? "" : "; its WAL receiver is " + r.receiverStatus()), values);
    }

    private static int rank(PgHealthReport.Standby s, Limits limits) {
        double sec = seconds(s.replayLagSeconds());
        if (sec > limits.critical().toNanos() / 1e9) {
            return 2;
        }
        return sec > limits.warn().toNanos() / 1e9 || bytes(s.replayLagBytes()) > limits.warnBytes() ? 1 : 0;
    }

    private static Condition condition(String db, double seconds, long bytes, Limits limits, String summary, Map<String, String> values) {
        boolean critical = seconds > limits.critical().toNanos() / 1e9;
        boolean firing = critical || seconds > limits.warn().toNanos() / 1e9 || bytes > limits.warnBytes();
        values.put("warn", limits.warn().toString());
        values.put("warnBytes", Long.toString(limits.warnBytes()));
        values.put("critical", limits.critical().toString());
        String text = summary + (firing ? " (limits: warning " + Human.duration(limits.warn()) + " or " + Human.bytes(limits.warnBytes())
                + ", critical " + Human.duration(limits.critical()) + ")" : "");
        return new Condition(LAG, db, critical ? Severity.CRITICAL : Severity.WARNING, firing, text, Map.of("database", db), values);
    }

    /** On a primary: standbys in {@code expected} that are not in pg_stat_replication. */
    public static Condition standbyMissing(String db, List<String> expected, List<PgHealthReport.Standby> connected) {
        Set<String> names = connected.stream().map(PgHealthReport.Standby::name).collect(Collectors.toSet());
        List<String> missing = expected.stream().filter(e -> !names.contains(e)).toList();
        String summary = missing.isEmpty() ? "postgres " + db + ": every expected standby is connected (" + String.join(", ", expected) + ")"
                : "postgres " + db + ": expected standby(s) " + String.join(", ", missing) + " not connected (connected: "
                + (names.isEmpty() ? "none" : String.join(", ", names.stream().sorted().toList()))
                + "); a failover now would lose the data only this server holds: check the standby's machine and its log";
        return new Condition(STANDBY_MISSING, db, Severity.CRITICAL, !missing.isEmpty(), summary, Map.of("database", db),
                Map.of("missing", String.join(",", missing), "expected", String.join(",", expected)));
    }

    private static double seconds(Double s) {
        return s == null ? 0 : s;
    }

    private static long bytes(Long b) {
        return b == null ? 0 : b;
    }

    private static String lagText(double seconds, long bytes) {
        return Human.duration(Duration.ofMillis(Math.round(seconds * 1000))) + " / " + Human.bytes(bytes);
    }
}
