package dev.lifeboat.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A database's {@code audit} entry in the status API: what the newest audit of its destination proved.
 *
 * @param checkedAt       when the newest audit that reached the destination ran
 * @param restorable      the newest point can be restored as the destination stands
 * @param newest          the newest point the destination should hold
 * @param restorablePoint the newest moment a restore can reach (absent when none)
 * @param rpoSeconds      seconds from {@code restorablePoint} to now: the data a restore now would lose
 * @param problems        missing or wrong objects ({@code key: problem})
 * @param error           why the last audit could not ask the destination (absent when it could)
 * @param errorAt         when that was
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditStatus(Instant checkedAt, Boolean restorable, String newest, Instant restorablePoint, Long rpoSeconds,
                          List<String> problems, String error, Instant errorAt) {

    static AuditStatus of(AuditService.Latest latest, Instant now) {
        AuditReport r = latest.report();
        if (r == null) {
            return new AuditStatus(null, null, null, null, null, null, latest.error(), latest.errorAt());
        }
        Duration rpo = r.rpo(now);
        return new AuditStatus(r.checkedAt(), r.restorable(), r.newest(), r.restorablePoint(), rpo == null ? null : rpo.toSeconds(),
                r.problems().isEmpty() ? null : r.problems().stream().map(AuditReport.Problem::toString).toList(), latest.error(),
                latest.errorAt());
    }
}
