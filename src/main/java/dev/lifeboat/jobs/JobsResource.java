package dev.lifeboat.jobs;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.InvalidConfigException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * On-demand jobs over HTTP (one resource class per path: Quarkus REST routes a request to the class with the most
 * specific path first, so {@code POST .../drills} must live in a class whose path equals {@code DrillsResource}'s). {@code POST /api/v1/databases/{db}/backups}, {@code POST /api/v1/databases/{db}/drills}
 * and {@code POST /api/v1/volumes/checks} answer {@code 202 Accepted} with {@code Location: /api/v1/jobs/{id}} and
 * the job, or {@code 200} with the job already queued or running for the same work. They need
 * {@code Authorization: Bearer <http.api-token>}: {@code 401} without or with a wrong one (checked before the
 * database is looked up, so a wrong token never tells which databases exist), {@code 403} while no token is
 * configured. {@code GET /api/v1/jobs/{id}} and {@code GET /api/v1/jobs} show jobs. Errors are
 * {@code application/problem+json} (type, title, status, detail).
 */
public final class JobsResource {
    static final String PROBLEM_JSON = "application/problem+json";

    private JobsResource() {
    }

    /** An RFC 9457 problem body. */
    public record Problem(String type, String title, int status, String detail) {
    }

    /** {@code POST /api/v1/databases/{db}/backups}: a pg_dump backup (postgres) or a new snapshot (sqlite). */
    @Path("/api/v1/databases/{db}/backups")
    public static class Backups {
        @Inject
        JobService jobs;

        @Inject
        ActiveConfig active;

        @POST
        @Produces(MediaType.APPLICATION_JSON)
        public Response startBackup(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("db") String database) {
            return submit(active, authorization, () -> jobs.backup(database));
        }
    }

    /** {@code POST /api/v1/databases/{db}/drills}: a restore drill. */
    @Path("/api/v1/databases/{db}/drills")
    public static class Drills {
        @Inject
        JobService jobs;

        @Inject
        ActiveConfig active;

        @POST
        @Produces(MediaType.APPLICATION_JSON)
        public Response startDrill(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("db") String database) {
            return submit(active, authorization, () -> jobs.drill(database));
        }
    }

    /** {@code POST /api/v1/volumes/checks}: a check of every volume. */
    @Path("/api/v1/volumes/checks")
    public static class VolumeChecks {
        @Inject
        JobService jobs;

        @Inject
        ActiveConfig active;

        @POST
        @Produces(MediaType.APPLICATION_JSON)
        public Response startVolumeCheck(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
            return submit(active, authorization, jobs::checkVolumes);
        }
    }

    /** {@code GET /api/v1/jobs} and {@code GET /api/v1/jobs/{id}}. */
    @Path("/api/v1/jobs")
    @Produces(MediaType.APPLICATION_JSON)
    public static class Jobs {
        @Inject
        JobService jobs;

        @GET
        @Path("/{id}")
        public Response getJob(@PathParam("id") String id) {
            return jobs.get(id).map(j -> Response.ok(j).build())
                    .orElseGet(() -> problem(Response.Status.NOT_FOUND, "no job " + id + " (the newest " + JobService.KEPT + " are kept)"));
        }

        @GET
        public JobView.JobList listJobs() {
            return new JobView.JobList(jobs.recent());
        }
    }

    private static Response submit(ActiveConfig active, String authorization, Supplier<JobService.Submitted> submit) {
        Optional<Response> denied = checkToken(active, authorization);
        if (denied.isPresent()) {
            return denied.get();
        }
        JobService.Submitted s;
        try {
            s = submit.get();
        } catch (JobService.UnknownDatabaseException e) {
            return problem(Response.Status.NOT_FOUND, e.getMessage());
        }
        return Response.status(s.created() ? Response.Status.ACCEPTED : Response.Status.OK).entity(s.job())
                .type(MediaType.APPLICATION_JSON).header(HttpHeaders.LOCATION, "/api/v1/jobs/" + s.job().id()).build();
    }

    /** 403 while no token is configured, 401 for a missing or wrong one; compares in constant time. */
    private static Optional<Response> checkToken(ActiveConfig active, String authorization) {
        Optional<String> token;
        try {
            token = active.get().http().apiToken().filter(t -> !t.isBlank());
        } catch (InvalidConfigException e) {
            return Optional.of(problem(Response.Status.SERVICE_UNAVAILABLE,
                    "the configuration is invalid, so the API token is unknown; fix it (see /api/v1/status)"));
        }
        if (token.isEmpty()) {
            return Optional.of(problem(Response.Status.FORBIDDEN, "jobs are disabled because http.api-token is not set; set it in "
                    + active.path() + " (for example api-token: ${LIFEBOAT_API_TOKEN}) and send Authorization: Bearer <token>"));
        }
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : "";
        if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.get().getBytes(StandardCharsets.UTF_8))) {
            Response r = problem(Response.Status.UNAUTHORIZED, "missing or wrong API token; send Authorization: Bearer <http.api-token>");
            return Optional.of(Response.fromResponse(r).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build());
        }
        return Optional.empty();
    }

    static Response problem(Response.Status status, String detail) {
        return Response.status(status).type(PROBLEM_JSON)
                .entity(new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), detail)).build();
    }
}
