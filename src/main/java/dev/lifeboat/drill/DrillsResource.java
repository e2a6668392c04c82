package dev.lifeboat.drill;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.LifeboatConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.core.MediaType;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/v1/databases/{db}/drills?limit=20}: the newest drills of a database, newest first, read from its
 * destination (the history survives restarts and machine replacement), each with its checks and observed values.
 */
@Path("/api/v1/databases/{db}/drills")
@Produces(MediaType.APPLICATION_JSON)
public class DrillsResource {
    static final int MAX_LIMIT = 500;

    @Inject
    ActiveConfig active;

    @Inject
    DrillService drills;

    /** The answer: the database, the start of a drill running now (absent when none runs) and the drills, newest first. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record History(String database, Instant runningSince, List<DrillRecord> drills) {
    }

    @GET
    public History drills(@PathParam("db") String database, @QueryParam("limit") @DefaultValue("20") int limit) {
        LifeboatConfig config = active.get();
        if (!config.databases().containsKey(database)) {
            throw new NotFoundException("no database named '" + database + "'");
        }
        Instant runningSince = drills.runningSince(database).orElse(null);
        try {
            return new History(database, runningSince, drills.history(config, database, Math.max(1, Math.min(limit, MAX_LIMIT))));
        } catch (IOException e) {
            throw new ServiceUnavailableException("cannot read the drill history of " + database + " from its destination: " + e.getMessage());
        }
    }
}
