package dev.lifeboat.api;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.http.Problem;
import dev.lifeboat.store.Destinations;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /api/v1/databases/{db}/backups}: a PostgreSQL database's backups as its destination holds them (one
 * manifest each), newest first, a page at a time.
 */
@Path("/api/v1/databases/{db}/backups")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "databases")
public class BackupsResource {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 200;
    private static final Comparator<Manifest> NEWEST_FIRST = Comparator.comparing(Manifest::startedAt).thenComparing(Manifest::id).reversed();

    @Inject
    ActiveConfig active;

    @Inject
    StatusAssembler assembler;

    @Inject
    Destinations destinations;

    /**
     * One page of backups.
     *
     * @param backups    the manifests, newest first (by the time the dump started)
     * @param nextCursor pass as {@code cursor} for the next page; absent on the last page
     */
    @Schema(name = "BackupPage")
    public record BackupPage(String database, List<Manifest> backups,
                             @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String nextCursor) {
    }

    @GET
    @Operation(summary = "List a PostgreSQL database's backups", description = "The manifests in the destination, newest first, "
            + "paginated: pass nextCursor back as cursor for the next page (also given as a Link header with rel=next). "
            + "404 for an unknown database or a SQLite one (its restore points are under /generations).")
    @APIResponse(responseCode = "200", description = "a page of backups", content = @Content(schema = @Schema(implementation = BackupPage.class)))
    @APIResponse(responseCode = "400", description = "bad limit or cursor", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "no such PostgreSQL database", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "the destination cannot be read", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response backups(@PathParam("db") String database,
                            @Parameter(description = "page size, 1 to " + MAX_LIMIT + ", default " + DEFAULT_LIMIT) @QueryParam("limit") String limitParam,
                            @Parameter(description = "nextCursor of the previous page; absent for the first") @QueryParam("cursor") String cursorParam,
                            @Context UriInfo uri) {
        LifeboatConfig config = active.get();
        if (assembler.database(config, database).type() != DatabaseType.POSTGRES) {
            throw new Problem("/problems/not-postgres", "Not a PostgreSQL database", 404, database
                    + " is a SQLite database: it has no backups but generations (GET /api/v1/databases/" + database + "/generations)").exception();
        }
        int limit = Paging.limit(limitParam, DEFAULT_LIMIT, MAX_LIMIT);
        Paging.Cursor after = Paging.Cursor.decode(cursorParam);
        List<Manifest> all;
        try {
            all = new BackupCatalog(destinations.forDatabase(database)).list();
        } catch (IOException e) {
            throw Problem.destinationUnreadable("cannot list the backups of " + database + " in its destination: " + e.getMessage()).exception();
        }
        List<Manifest> rest = all.stream().sorted(NEWEST_FIRST)
                .filter(m -> after == null || NEWEST_FIRST.compare(m, probe(after)) > 0).toList();
        List<Manifest> page = rest.subList(0, Math.min(limit, rest.size()));
        String next = rest.size() > limit ? new Paging.Cursor(page.getLast().startedAt(), page.getLast().id()).encode() : null;
        Response.ResponseBuilder out = Response.ok(new BackupPage(database, page, next));
        if (next != null) {
            out.link(uri.getRequestUriBuilder().replaceQueryParam("limit", limit).replaceQueryParam("cursor", next).build(), "next");
        }
        return out.build();
    }

    /** A manifest carrying only the cursor's sort key, to compare listed ones against. */
    private static Manifest probe(Paging.Cursor c) {
        return new Manifest(Manifest.FORMAT, c.id(), null, null, null, c.time(), c.time(), 0, 0, null, null, null, null, null, null, null, null);
    }
}
