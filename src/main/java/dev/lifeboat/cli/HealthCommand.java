package dev.lifeboat.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lifeboat.UserFacingException;
import dev.lifeboat.alert.Condition;
import dev.lifeboat.alert.PgHealthConditionSource;
import dev.lifeboat.alert.Severity;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.postgres.health.PgHealthProbe;
import dev.lifeboat.postgres.health.PgHealthReport;
import dev.lifeboat.postgres.health.PgHealthWatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code lifeboat health [DB] [--json]}: polls each watched PostgreSQL database once (the figures the agent's health
 * watch reads), prints them with the {@code pg-*} rules that would fire, and exits 0 (ok), 1 (warning) or 2
 * (critical, or the server cannot be read): usable as a Fly machine check. Opens one connection per database and no port.
 */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "health", description = "Poll the PostgreSQL databases' health once (connections, transactions, replication, slots, wraparound); "
        + "exit 0 ok, 1 warning, 2 critical.")
public class HealthCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DB", description = "One database (default: every watched postgres database).")
    String database;

    @Option(names = "--json", description = "Print the figures and firing rules as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** One database in {@code --json}: its figures and the rules firing on them. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Entry(String status, PgHealthReport health, List<Firing> firing) {
    }

    @io.quarkus.runtime.annotations.RegisterForReflection
    record Firing(String rule, String severity, String summary) {
    }

    @Override
    public Integer call() throws Exception {
        LifeboatConfig loaded = config.load();
        Map<String, DatabaseConfig> selected = new TreeMap<>();
        if (database != null) {
            DatabaseConfig db = Databases.named(loaded, database, config);
            if (!PgHealthWatch.watched(db)) {
                throw new UserFacingException("database '" + database + "' is not a watched postgres database (type: postgres with health.enabled)");
            }
            selected.put(database, db);
        } else {
            loaded.databases().forEach((name, db) -> {
                if (PgHealthWatch.watched(db)) {
                    selected.put(name, db);
                }
            });
        }
        Map<String, Entry> entries = new TreeMap<>();
        int exit = 0;
        for (var e : selected.entrySet()) {
            PgHealthReport report;
            try (PgHealthProbe probe = new PgHealthProbe(e.getKey(), PgUrl.parse(e.getValue().url().orElseThrow()), Duration.ofSeconds(5),
                    e.getValue().health().showQueries(), e.getValue().health().slowQueryCalls())) {
                report = probe.poll();
            }
            List<Firing> firing = new ArrayList<>();
            Severity worst = null;
            for (Condition c : PgHealthConditionSource.conditions(e.getKey(), report, e.getValue().health())) {
                if (c.firing()) {
                    firing.add(new Firing(c.rule(), c.severity().id(), c.summary()));
                    worst = worst == null || c.severity().atLeast(worst) ? c.severity() : worst;
                }
            }
            int code = !report.ok() || worst == Severity.CRITICAL ? 2 : worst == null || worst == Severity.INFO ? 0 : 1;
            exit = Math.max(exit, code);
            entries.put(e.getKey(), new Entry(code == 0 ? "ok" : code == 1 ? "warning" : "critical", report, firing));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(entries));
        } else if (entries.isEmpty()) {
            out.println("no postgres database is watched (type: postgres, health.enabled: true) in " + config.path());
        } else {
            entries.forEach((name, entry) -> print(out, name, entry));
        }
        out.flush();
        return exit;
    }

    private static void print(PrintWriter out, String name, Entry e) {
        PgHealthReport r = e.health();
        out.printf(Locale.ROOT, "%-8s %s%n", e.status().toUpperCase(Locale.ROOT), name);
        if (!r.ok()) {
            out.println("  error        " + r.error());
            return;
        }
        var c = r.connections();
        out.printf(Locale.ROOT, "  connections  %d used of %d usable (%.1f%%): %d active, %d idle, %d idle in transaction, %d other; max_connections %d, %d reserved%n",
                c.total(), c.usable(), c.usedPercent(), c.active(), c.idle(), c.idleInTransaction(), c.other(), c.max(), c.superuserReserved());
        c.top().forEach(g -> out.printf(Locale.ROOT, "               %-24s %-16s %d%n", g.application(), g.client(), g.count()));
        out.println("  oldest xact  " + session(r.oldestTransaction()));
        out.println("  idle in xact " + session(r.oldestIdleInTransaction()));
        if (r.slots().isEmpty()) {
            out.println("  slots        none");
        }
        r.slots().forEach(s -> out.printf(Locale.ROOT, "  slot         %s (%s, %s): %s retained%n", s.name(), s.type(), s.active() ? "active" : "inactive",
                s.retainedBytes() == null ? "no WAL" : Databases.bytes(s.retainedBytes())));
        if (r.xidAge() != null) {
            out.printf(Locale.ROOT, "  xid age      %,d (database %s)%n", r.xidAge().age(), r.xidAge().database());
        }
        if (r.walBytes() != null) {
            out.println("  pg_wal       " + Databases.bytes(r.walBytes()));
        }
        r.standbys().forEach(s -> out.printf(Locale.ROOT, "  standby      %s (%s, %s): replay lag %s s, %s%n", s.name(), s.state(), s.client(),
                s.replayLagSeconds() == null ? "0" : s.replayLagSeconds(), s.replayLagBytes() == null ? "?" : Databases.bytes(s.replayLagBytes())));
        if (r.recovery() != null) {
            var rec = r.recovery();
            out.printf(Locale.ROOT, "  recovery     received %s, replayed %s: replay lag %s s, %s%s; receiver %s%n", rec.receiveLsn(), rec.replayLsn(),
                    rec.replayLagSeconds() == null ? "?" : rec.replayLagSeconds(), rec.replayLagBytes() == null ? "?" : Databases.bytes(rec.replayLagBytes()),
                    Boolean.TRUE.equals(rec.replayPaused()) ? " (paused)" : "", rec.receiverStatus() == null ? "unknown" : rec.receiverStatus());
        }
        if (r.slowQueries() != null && !r.slowQueries().available()) {
            out.println("  statements   " + r.slowQueries().note());
        }
        if (r.permission() != null) {
            out.println("  permission   " + r.permission());
        }
        e.firing().forEach(f -> out.println("  " + f.severity().toUpperCase(Locale.ROOT) + " " + f.rule() + ": " + f.summary()));
    }

    private static String session(PgHealthReport.Session s) {
        if (s == null) {
            return "none";
        }
        return String.format(Locale.ROOT, "%.1fs pid %d user %s application %s wait %s%s", s.seconds(), s.pid(), s.user(),
                s.application() == null || s.application().isEmpty() ? "-" : s.application(), s.waitEvent() == null ? "none" : s.waitEvent(),
                s.query() == null ? "" : " query: " + s.query());
    }
}
