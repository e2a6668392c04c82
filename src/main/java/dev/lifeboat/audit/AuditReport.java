package dev.lifeboat.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one audit of a database's destination established, from the destination alone (listings, sizes, manifests;
 * downloads only for a deep audit). This, never the agent's memory, is what status, the verdict, readiness, metrics
 * and {@code lifeboat list} call restorable.
 *
 * @param database        the database's name
 * @param checkedAt       when the audit ran
 * @param newest          the newest point the destination should hold ({@code backup 20261204T...}, {@code generation
 *                        0123... index 3}), null when there is none at all
 * @param newestIntact    true when everything a restore of {@link #newest} reads is there, with the right sizes
 * @param restorablePoint the newest moment a restore can reach, null when nothing is restorable
 * @param problems        every missing or wrong object found, newest point's first
 * @param damaged         ids of backups (postgres) or generations (sqlite) with problems
 * @param requests        requests made to the destination by this audit
 * @param deep            true when objects were downloaded and their checksums verified
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditReport(String database, Instant checkedAt, String newest, boolean newestIntact, Instant restorablePoint,
                          List<Problem> problems, List<String> damaged, int requests, boolean deep) {

    /**
     * One missing or wrong object.
     *
     * @param key     the object's key, relative to the database's folder in the destination
     * @param problem what is wrong ({@code missing}, {@code size 10 bytes, recorded 2048})
     */
    @RegisterForReflection
    public record Problem(String key, String problem) {
        @Override
        public String toString() {
            return key + ": " + problem;
        }
    }

    public AuditReport {
        problems = List.copyOf(problems);
        damaged = List.copyOf(damaged);
    }

    /** True when a restore of the newest point would succeed as far as the destination shows. */
    public boolean restorable() {
        return newest != null && newestIntact;
    }

    /** The age of the newest restorable moment at {@code now}: the recovery point objective achieved. */
    public Duration rpo(Instant now) {
        return restorablePoint == null ? null : Duration.between(restorablePoint, now);
    }

    /** One line for people: what is restorable, or what is missing. */
    public String summary() {
        if (newest == null) {
            return "nothing in the destination yet";
        }
        if (newestIntact) {
            return newest + " is restorable (up to " + restorablePoint + ")";
        }
        String missing = problems.stream().limit(3).map(Problem::toString).reduce((a, b) -> a + "; " + b).orElse("?");
        return newest + " is not restorable: " + missing + (problems.size() > 3 ? " (and " + (problems.size() - 3) + " more)" : "");
    }
}
