package dev.lifeboat.api;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.http.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.SortedMap;
import java.util.TreeMap;

/** {@code GET /api/v1/databases} and {@code GET /api/v1/databases/{db}}: each database's state in one record. */
@Path("/api/v1/databases")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "databases", description = "Databases, their backups, generations and drills")
public class DatabasesResource {
    @Inject
    ActiveConfig active;

    @Inject
    StatusAssembler assembler;

    @GET
    @Operation(summary = "List the databases", description = "Every configured database by name (sorted): type, destination, "
            + "schedule, last success and failure, next run, RPO now, replication lag, last drill and volume.")
    @APIResponse(responseCode = "200", description = "the databases by name")
    @APIResponse(responseCode = "503", description = "the configuration is invalid", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public SortedMap<String, DatabaseView> databases() {
        LifeboatConfig config = active.get();
        SortedMap<String, DatabaseView> out = new TreeMap<>();
        assembler.databases(config).forEach((name, status) ->
                out.put(name, DatabaseView.of(name, config.databases().get(name), status, config.volumes())));
        return out;
    }

    @GET
    @Path("/{db}")
    @Operation(summary = "Show one database", description = "The same record as in the list; 404 with a problem body for an unknown name.")
    @APIResponse(responseCode = "200", description = "the database", content = @Content(schema = @Schema(implementation = DatabaseView.class)))
    @APIResponse(responseCode = "404", description = "no such database", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public DatabaseView database(@PathParam("db") String name) {
        LifeboatConfig config = active.get();
        var db = assembler.database(config, name);
        return DatabaseView.of(name, db, assembler.databaseStatus(name, db), config.volumes());
    }
}
