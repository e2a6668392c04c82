package dev.lifeboat.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /api/v1/status}: everything Lifeboat knows, secrets redacted; see {@link StatusDocument}. */
@Path("/api/v1/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {
    @Inject
    StatusAssembler assembler;

    @GET
    @Tag(name = "status", description = "The verdict and everything Lifeboat knows")
    @Operation(summary = "The verdict and the whole status", description = "Starts with status (ok, degraded or failing) and "
            + "the reasons behind it (rule, subject, severity, summary, since): the same conditions that drive the alerts and "
            + "readiness. Then the configuration, destinations, databases, volumes and alerting, secrets redacted.")
    public StatusDocument status() {
        return assembler.status();
    }
}
