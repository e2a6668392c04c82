package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.HealthConfig;
import dev.lifeboat.postgres.health.PgHealthReport;
import dev.lifeboat.postgres.health.PgHealthWatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link PgHealthRules} for every watched PostgreSQL database, from {@link PgHealthWatch}'s latest report and the
 * database's {@code health.*} thresholds. A failed poll reports nothing (unknown neither fires nor resolves), except
 * a connection refused with SQLSTATE 53300 (too many connections), which fires {@code pg-connections} critical; so do
 * the transaction rules while the watch's role cannot see other roles' sessions (its report's permission note says so).
 */
@ApplicationScoped
public class PgHealthConditionSource implements ConditionSource {
    @Inject
    ActiveConfig active;

    @Inject
    PgHealthWatch watch;

    @Override
    public List<Condition> conditions(Instant now) {
        List<Condition> out = new ArrayList<>();
        active.get().databases().forEach((name, db) -> {
            if (PgHealthWatch.watched(db)) {
                watch.report(name).ifPresent(r -> {
                    out.addAll(conditions(name, r, db.health()));
                    // A failed poll is unknown, except a refusal for want of slots: that is pg-connections at its worst.
                    watch.refused(name).filter(x -> !r.ok()).ifPresent(x ->
                            out.add(PgHealthRules.connectionsRefused(name, x.since(), x.attempts(), x.retryAt(), x.error())));
                });
            }
        });
        return out;
    }

    /** The conditions of one report under {@code h}'s thresholds (also what {@code lifeboat health} prints). */
    public static List<Condition> conditions(String db, PgHealthReport r, HealthConfig h) {
        List<Condition> out = new ArrayList<>();
        if (!r.ok()) {
            return out;
        }
        out.add(PgHealthRules.connections(db, r.connections(), HealthConfig.percent(h.connections().warn()),
                HealthConfig.percent(h.connections().critical())));
        if (r.seesAllSessions()) {
            out.add(PgHealthRules.longTransaction(db, r.oldestTransaction(), h.longTransaction()));
            out.add(PgHealthRules.idleInTransaction(db, r.oldestIdleInTransaction(), h.idleInTransaction()));
        }
        out.add(PgHealthRules.slotRetained(db, r.slots(), h.slotRetained().bytes()));
        if (r.xidAge() != null) {
            out.add(PgHealthRules.wraparound(db, r.xidAge(), h.xidAge()));
        }
        if (r.slowQueries() != null && r.slowQueries().statements() != null) {
            out.add(PgHealthRules.slowQueries(db, r.slowQueries().statements(), h.slowQuery(), h.slowQueryCalls()));
        }
        var lag = h.replicationLag();
        var limits = new PgReplicationRules.Limits(lag.warn(), lag.warnBytes().bytes(), lag.critical());
        if (r.recovery() != null) {
            out.add(PgReplicationRules.standbyLag(db, r.recovery(), limits));
        } else if (r.standbys() != null) {
            out.add(PgReplicationRules.primaryLag(db, r.standbys(), limits));
            h.expectedStandbys().filter(e -> !e.isEmpty()).ifPresent(e -> out.add(PgReplicationRules.standbyMissing(db, e, r.standbys())));
        }
        return out;
    }
}
