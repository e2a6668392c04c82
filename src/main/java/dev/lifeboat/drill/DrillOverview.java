package dev.lifeboat.drill;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;

import java.time.Instant;

/**
 * The {@code drill} entry of a database in the status API. Holds no secrets: errors are built from redacted URLs.
 *
 * @param nextRunAt    the next scheduled drill, absent when none is scheduled
 * @param runningSince start of the drill running now, absent when none runs
 * @param outcomes     what the drills so far showed, absent (not null) before the first one
 * @param schedule     when the agent drills ({@code drill.schedule} or its type's default), absent outside the agent
 * @param off          why scheduled drills do not run ({@code drill.enabled: false}, a role that cannot create the
 *                     scratch database), absent while they do
 * @param waiting      why the first drill waits (nothing to restore yet), absent otherwise
 * @param overdue      why restores are not proven within {@code drill.max-age} (the {@code drill-overdue} alert,
 *                     a degraded verdict), absent while they are or before the history is read
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DrillOverview(Instant nextRunAt, Instant runningSince, @JsonUnwrapped Outcomes outcomes, String schedule, String off,
                            String waiting, String overdue) {

    public DrillOverview(Instant nextRunAt, Instant runningSince, Outcomes outcomes) {
        this(nextRunAt, runningSince, outcomes, null, null, null, null);
    }

    /**
     * @param last                the newest drill, absent before the first
     * @param lastSuccessAt       end of the newest drill that passed, null when none did
     * @param consecutiveFailures drills that did not pass since the last one that did
     * @param failing             the newest drill did not pass
     */
    public record Outcomes(@JsonInclude(JsonInclude.Include.NON_NULL) Summary last, Instant lastSuccessAt,
                           int consecutiveFailures, boolean failing) {
        static Outcomes of(DrillService.DrillState s) {
            return new Outcomes(s.last() == null ? null : Summary.of(s.last()),
                    s.lastPassed() == null ? null : s.lastPassed().finishedAt(), s.consecutiveFailures(),
                    s.last() != null && !s.last().passed());
        }
    }

    /** One drill in short: a {@link DrillRecord} without its checks; {@code error} is absent when it passed. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "DrillSummary")
    public record Summary(String id, String outcome, String trigger, String backupId, Instant backupTime, Instant startedAt,
                          Instant finishedAt, Long restoreMillis, long durationMillis, Long rpoSeconds, long storedBytes,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String error) {
        static Summary of(DrillRecord r) {
            return new Summary(r.id(), r.outcome(), r.trigger(), r.backupId(), r.backupTime(), r.startedAt(), r.finishedAt(),
                    r.restoreMillis(), r.durationMillis(), r.rpoSeconds(), r.storedBytes(), r.error());
        }
    }
}
