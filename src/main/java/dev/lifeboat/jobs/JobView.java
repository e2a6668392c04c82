package dev.lifeboat.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

/**
 * A job as {@code /api/v1/jobs} shows it.
 *
 * @param id         the job's id, also the {@code job} field of its log lines
 * @param kind       {@code backup} (pg_dump), {@code snapshot} (sqlite), {@code drill} or {@code volume-check}
 * @param database   the database, absent for a volume check
 * @param trigger    {@code api}, or {@code schedule} for a scheduled run a request joined
 * @param state      {@code queued}, {@code running}, {@code succeeded} or {@code failed}
 * @param createdAt  when it was asked for
 * @param startedAt  when the work began, absent while queued
 * @param finishedAt when it ended, absent before
 * @param progress   where it stands
 * @param result     what it produced (also on a failed drill: its record says which check failed)
 * @param error      why it failed, free of secrets; absent unless failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Job")
public record JobView(String id, String kind, String database, String trigger, String state, Instant createdAt, Instant startedAt,
                      Instant finishedAt, Progress progress, JobResult result, String error) {
    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    /**
     * @param phase what it does now: {@code queued}, {@code connecting}, {@code dumping}, {@code publishing},
     *              {@code retention}, {@code restoring}, {@code snapshot}, {@code checking}, {@code done}
     * @param bytes bytes moved so far (a backup: bytes read from pg_dump, after the zstd program when it compresses)
     */
    @Schema(name = "JobProgress")
    public record Progress(String phase, long bytes) {
    }

    /** The answer of {@code GET /api/v1/jobs}: the most recent jobs, newest first (at most {@value JobService#KEPT}). */
    @Schema(name = "JobList")
    public record JobList(List<JobView> jobs) {
    }
}
