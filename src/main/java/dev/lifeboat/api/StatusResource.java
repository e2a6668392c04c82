package dev.lifeboat.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/v1/status}: everything Lifeboat knows, secrets redacted; see {@link StatusDocument}. */
@Path("/api/v1/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {
    @Inject
    StatusAssembler assembler;

    @GET
    public StatusDocument status() {
        return assembler.status();
    }
}
