package dev.lifeboat.api;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.http.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.SortedMap;

/**
 * {@code GET /api/v1/volumes} and {@code GET /api/v1/destinations}: the same records as the status document's
 * {@code volumes} and {@code destinations} sections, by name.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class InventoryResource {
    @Inject
    ActiveConfig active;

    @Inject
    StatusAssembler assembler;

    @GET
    @Path("/volumes")
    @Tag(name = "volumes", description = "Volumes the agent checks")
    @Operation(summary = "List the volumes", description = "Every configured volume by name with its latest check "
            + "(mounted, free space and inodes, fsync), or checked: false before the first one.")
    @APIResponse(responseCode = "200", description = "the volumes by name")
    @APIResponse(responseCode = "503", description = "the configuration is invalid", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public SortedMap<String, VolumeEntry> volumes() {
        return assembler.volumes(active.get());
    }

    @GET
    @Path("/destinations")
    @Tag(name = "destinations", description = "Where backups go")
    @Operation(summary = "List the destinations", description = "Every configured destination by name: where it is "
            + "(endpoint redacted), how it authenticates (never the keys) and its last reachability check.")
    @APIResponse(responseCode = "200", description = "the destinations by name")
    @APIResponse(responseCode = "503", description = "the configuration is invalid", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public SortedMap<String, DestinationStatus> destinations() {
        return assembler.destinations(active.get());
    }
}
