package dev.lifeboat.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /api/v1/status}: everything Lifeboat knows, secrets redacted; see {@link StatusDocument} and {@link StatusCache}. */
@Path("/api/v1/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {
    /** The response headers both cached endpoints document. */
    static final String ETAG_DESCRIPTION = "strong tag of this body; send it back as If-None-Match to get 304 while it is unchanged";

    @Inject
    StatusCache cache;

    @GET
    @Tag(name = "status", description = "The verdict and everything Lifeboat knows")
    @Operation(summary = "The verdict and the whole status", description = "Starts with status (ok, degraded or failing) and "
            + "the reasons behind it (rule, subject, severity, summary, since): the same conditions that drive the alerts and "
            + "readiness. Then the configuration, destinations, databases, volumes and alerting, secrets redacted. "
            + "Assembled at most once per http.status-cache (1 s by default): figures that move by themselves (lag, RPO, "
            + "counters) may be that much older, as 'now' in the body says; the verdict and anything that changes it never are.")
    @APIResponse(responseCode = "200", description = "the status", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = StatusDocument.class)), headers = @Header(name = "ETag", description = ETAG_DESCRIPTION))
    @APIResponse(responseCode = "304", description = "unchanged since the ETag sent as If-None-Match",
            headers = @Header(name = "ETag", description = ETAG_DESCRIPTION))
    public Response status(@Parameter(description = "an ETag of an earlier answer") @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        return StatusCache.respond(cache.status(), ifNoneMatch);
    }
}
