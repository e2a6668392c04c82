package dev.lifeboat.alert;

import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.AuditService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code replica-damaged} (critical): the newest point of a database's replica cannot be restored as the destination
 * stands (a missing snapshot, dump or WAL segment, an object of the wrong size). Resolves once an audit finds the
 * newest point restorable again (after the repair the agent starts at once). A database whose destination could not
 * be asked keeps its last state: unreachable is {@code destination-unreachable}'s business. The audit's own reports
 * ({@link AuditService}) are the input.
 */
@ApplicationScoped
public class ReplicaDamagedConditionSource implements ConditionSource {
    public static final String RULE = "replica-damaged";

    @Inject
    AuditService audits;

    @Override
    public List<Condition> conditions(Instant now) {
        List<Condition> out = new ArrayList<>();
        audits.latest().forEach((name, latest) -> {
            AuditReport r = latest.report();
            if (r == null || r.newest() == null) {
                return; // nothing known, or nothing shipped yet: neither fires nor resolves
            }
            Map<String, String> values = new LinkedHashMap<>();
            values.put("checkedAt", r.checkedAt().toString());
            values.put("newest", r.newest());
            values.put("restorablePoint", String.valueOf(r.restorablePoint()));
            for (int i = 0; i < Math.min(5, r.problems().size()); i++) {
                values.put("problem" + (i + 1), r.problems().get(i).toString());
            }
            String summary = r.restorable() ? "replica of " + name + " is restorable: " + r.summary()
                    : "replica of " + name + " is damaged: " + r.summary() + "; Lifeboat is repairing it (a new snapshot or backup)";
            out.add(new Condition(RULE, name, Severity.CRITICAL, !r.restorable(), summary, Map.of("database", name), values));
        });
        return out;
    }
}
