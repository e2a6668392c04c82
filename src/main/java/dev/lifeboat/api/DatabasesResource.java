package dev.lifeboat.api;

import dev.lifeboat.http.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /api/v1/databases} and {@code GET /api/v1/databases/{db}}: each database's state in one record, lifted
 * out of the same cached status document as {@code /api/v1/status} ({@link StatusCache}).
 */
@Path("/api/v1/databases")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "databases", description = "Databases, their backups, generations and drills")
public class DatabasesResource {
    @Inject
    StatusCache cache;

    @GET
    @Operation(summary = "List the databases", description = "Every configured database by name (sorted): type, destination, "
            + "schedule, last success and failure, next run, RPO now, replication lag, last drill and volume.")
    @APIResponse(responseCode = "200", description = "the databases by name", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.OBJECT, additionalProperties = DatabaseView.class)),
            headers = @Header(name = "ETag", description = StatusResource.ETAG_DESCRIPTION))
    @APIResponse(responseCode = "304", description = "unchanged since the ETag sent as If-None-Match",
            headers = @Header(name = "ETag", description = StatusResource.ETAG_DESCRIPTION))
    @APIResponse(responseCode = "503", description = "the configuration is invalid", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response databases(@Parameter(description = "an ETag of an earlier answer") @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        return StatusCache.respond(cache.databases(), ifNoneMatch);
    }

    @GET
    @Path("/{db}")
    @Operation(summary = "Show one database", description = "The same record as in the list; 404 with a problem body for an unknown name.")
    @APIResponse(responseCode = "200", description = "the database", content = @Content(schema = @Schema(implementation = DatabaseView.class)))
    @APIResponse(responseCode = "404", description = "no such database", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public DatabaseView database(@PathParam("db") String name) {
        return cache.database(name);
    }
}
