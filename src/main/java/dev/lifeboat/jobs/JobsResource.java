package dev.lifeboat.jobs;

import dev.lifeboat.http.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.function.Supplier;

/**
 * On-demand jobs over HTTP (one resource class per path: Quarkus REST routes a request to the class with the most
 * specific path first, so {@code POST .../drills} must live in a class whose path equals {@code DrillsResource}'s).
 * {@code POST /api/v1/databases/{db}/backups}, {@code POST /api/v1/databases/{db}/drills} and
 * {@code POST /api/v1/volumes/checks} answer {@code 202 Accepted} with {@code Location: /api/v1/jobs/{id}} and the
 * job, or {@code 200} with the job already queued or running for the same work. Their token is checked by
 * {@code http.ApiTokens} before any of this runs (so a wrong token never tells which databases exist).
 * {@code GET /api/v1/jobs/{id}} and {@code GET /api/v1/jobs} show jobs. Errors are {@code application/problem+json}.
 */
public final class JobsResource {
    private JobsResource() {
    }

    /** {@code POST /api/v1/databases/{db}/backups}: a pg_dump backup (postgres) or a new snapshot (sqlite). */
    @Path("/api/v1/databases/{db}/backups")
    @Tag(name = "jobs")
    public static class Backups {
        @Inject
        JobService jobs;

        @POST
        @Produces(MediaType.APPLICATION_JSON)
        @Operation(summary = "Back a database up now", description = "PostgreSQL: a pg_dump backup; SQLite: a new snapshot. "
                + "202 with Location: /api/v1/jobs/{id}; 200 with the job already running for the database (scheduled or asked "
                + "for): never a second pg_dump. Needs Authorization: Bearer <http.api-token>.")
        @APIResponse(responseCode = "202", description = "a job started", content = @Content(schema = @Schema(implementation = JobView.class)))
        @APIResponse(responseCode = "200", description = "the job already running", content = @Content(schema = @Schema(implementation = JobView.class)))
        @APIResponse(responseCode = "404", description = "no such database", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
        public Response startBackup(@PathParam("db") String database) {
            return submit(() -> jobs.backup(database), database);
        }
    }

    /** {@code POST /api/v1/databases/{db}/drills}: a restore drill. */
    @Path("/api/v1/databases/{db}/drills")
    @Tag(name = "jobs")
    public static class Drills {
        @Inject
        JobService jobs;

        @POST
        @Produces(MediaType.APPLICATION_JSON)
        @Operation(summary = "Drill a database now", description = "A restore drill on the drills' one thread (queued behind a "
                + "drill running there). 202 with Location: /api/v1/jobs/{id}; 200 with the drill already queued or running. "
                + "Needs Authorization: Bearer <http.api-token>.")
        @APIResponse(responseCode = "202", description = "a job started", content = @Content(schema = @Schema(implementation = JobView.class)))
        @APIResponse(responseCode = "200", description = "the job already queued or running", content = @Content(schema = @Schema(implementation = JobView.class)))
        @APIResponse(responseCode = "404", description = "no such database", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
        public Response startDrill(@PathParam("db") String database) {
            return submit(() -> jobs.drill(database), database);
        }
    }

    /** {@code POST /api/v1/volumes/checks}: a check of every volume. */
    @Path("/api/v1/volumes/checks")
    @Tag(name = "jobs")
    public static class VolumeChecks {
        @Inject
        JobService jobs;

        @POST
        @Produces(MediaType.APPLICATION_JSON)
        @Operation(summary = "Check every volume now", description = "Each volume on its own check thread. 202 with Location: "
                + "/api/v1/jobs/{id}; 200 with the check already running. Needs Authorization: Bearer <http.api-token>.")
        @APIResponse(responseCode = "202", description = "a job started", content = @Content(schema = @Schema(implementation = JobView.class)))
        @APIResponse(responseCode = "200", description = "the job already running", content = @Content(schema = @Schema(implementation = JobView.class)))
        public Response startVolumeCheck() {
            return submit(jobs::checkVolumes, null);
        }
    }

    /** {@code GET /api/v1/jobs} and {@code GET /api/v1/jobs/{id}}. */
    @Path("/api/v1/jobs")
    @Produces(MediaType.APPLICATION_JSON)
    @Tag(name = "jobs")
    public static class Jobs {
        @Inject
        JobService jobs;

        @GET
        @Path("/{id}")
        @Operation(summary = "One job", description = "State (queued, running, succeeded, failed), progress, result or error.")
        @APIResponse(responseCode = "200", description = "the job", content = @Content(schema = @Schema(implementation = JobView.class)))
        @APIResponse(responseCode = "404", description = "no such job (only the newest " + JobService.KEPT + " are kept)",
                content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
        public JobView getJob(@PathParam("id") String id) {
            return jobs.get(id).orElseThrow(() -> new Problem("/problems/no-such-job", "No such job", 404,
                    "no job " + id + " (the newest " + JobService.KEPT + " are kept)").exception());
        }

        @GET
        @Operation(summary = "Recent jobs", description = "The newest " + JobService.KEPT + " jobs, newest first.")
        public JobView.JobList listJobs() {
            return new JobView.JobList(jobs.recent());
        }
    }

    private static Response submit(Supplier<JobService.Submitted> submit, String database) {
        JobService.Submitted s;
        try {
            s = submit.get();
        } catch (JobService.UnknownDatabaseException e) {
            throw Problem.noSuchDatabase(database).exception();
        }
        return Response.status(s.created() ? Response.Status.ACCEPTED : Response.Status.OK).entity(s.job())
                .type(MediaType.APPLICATION_JSON).header(HttpHeaders.LOCATION, "/api/v1/jobs/" + s.job().id()).build();
    }
}
