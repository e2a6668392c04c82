package dev.lifeboat.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.drill.DrillRecord;
import dev.lifeboat.drill.DrillService;
import dev.lifeboat.http.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/v1/databases/{db}/drills?limit=20}: the newest drills of a database, newest first, read from its
 * destination (the history survives restarts and machine replacement), each with its checks and observed values.
 */
@Path("/api/v1/databases/{db}/drills")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "databases")
public class DrillsResource {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 500;

    @Inject
    ActiveConfig active;

    @Inject
    StatusAssembler assembler;

    @Inject
    DrillService drills;

    /** The answer: the database, the start of a drill running now (absent when none runs) and the drills, newest first. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "DrillHistory")
    public record History(String database, Instant runningSince, List<DrillRecord> drills) {
    }

    @GET
    @Operation(summary = "List a database's restore drills", description = "The newest drills, newest first, from the drill "
            + "records in the destination, each with its checks and observed values.")
    @APIResponse(responseCode = "200", description = "the drills", content = @Content(schema = @Schema(implementation = History.class)))
    @APIResponse(responseCode = "400", description = "bad limit", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "no such database", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "the destination cannot be read", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public History drills(@PathParam("db") String database,
                          @Parameter(description = "how many, 1 to " + MAX_LIMIT + ", default " + DEFAULT_LIMIT) @QueryParam("limit") String limitParam) {
        LifeboatConfig config = active.get();
        assembler.database(config, database);
        int limit = Paging.limit(limitParam, DEFAULT_LIMIT, MAX_LIMIT);
        Instant runningSince = drills.runningSince(database).orElse(null);
        try {
            return new History(database, runningSince, drills.history(config, database, limit));
        } catch (IOException e) {
            throw Problem.destinationUnreadable("cannot read the drill history of " + database + " from its destination: " + e.getMessage()).exception();
        }
    }
}
