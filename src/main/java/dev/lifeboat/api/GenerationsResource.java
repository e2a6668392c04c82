package dev.lifeboat.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.http.Problem;
import dev.lifeboat.sqlite.ReplicaCatalog;
import dev.lifeboat.sqlite.ReplicaLayout;
import dev.lifeboat.sqlite.ReplicationService;
import dev.lifeboat.sqlite.ReplicationStatus;
import dev.lifeboat.store.Destinations;
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

import java.io.IOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /api/v1/databases/{db}/generations}: a SQLite database's replica as its destination holds it, read with
 * one listing: each generation's snapshots, the WAL index range it reaches and the times a restore can pick from.
 */
@Path("/api/v1/databases/{db}/generations")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "databases")
public class GenerationsResource {
    @Inject
    ActiveConfig active;

    @Inject
    StatusAssembler assembler;

    @Inject
    Destinations destinations;

    @Inject
    ReplicationService replication;

    /**
     * @param current     the generation this agent replicates into now, absent when it does not replicate the database
     * @param generations newest first (by their newest object)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "GenerationList")
    public record GenerationList(String database, String current, List<Generation> generations) {
    }

    /**
     * One generation: a snapshot and the WAL that follows it, Litestream's layout. Times are the objects' upload times.
     *
     * @param firstWalIndex  the first WAL index shipped (8 hex digits), absent when no WAL was shipped
     * @param lastWalIndex   the last one
     * @param walSegments    WAL segment objects
     * @param bytes          the size of all its objects
     * @param restorableFrom the earliest moment a restore can reach in it (its oldest snapshot), absent without a snapshot
     * @param restorableTo   the latest (its newest object)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "Generation")
    public record Generation(String name, Instant createdAt, Instant updatedAt, List<Snapshot> snapshots, String firstWalIndex,
                             String lastWalIndex, int walSegments, long bytes, Instant restorableFrom, Instant restorableTo) {
        static Generation of(ReplicaCatalog.Generation g) {
            List<ReplicaLayout.Segment> wal = g.segments();
            boolean restorable = !g.snapshots().isEmpty();
            long bytes = g.snapshots().stream().mapToLong(ReplicaLayout.Snapshot::size).sum()
                         + wal.stream().mapToLong(ReplicaLayout.Segment::size).sum();
            return new Generation(g.name(), g.createdAt(), g.updatedAt(),
                    g.snapshots().stream().map(s -> new Snapshot(hex(s.index()), s.size(), s.createdAt())).toList(),
                    wal.isEmpty() ? null : hex(wal.getFirst().index()), wal.isEmpty() ? null : hex(wal.getLast().index()), wal.size(), bytes,
                    restorable ? g.snapshots().stream().map(ReplicaLayout.Snapshot::createdAt).min(Comparator.naturalOrder()).orElseThrow() : null,
                    restorable ? g.updatedAt() : null);
        }
    }

    /** A snapshot: the whole database at the start of WAL index {@code index}. */
    @Schema(name = "Snapshot")
    public record Snapshot(String index, long size, Instant createdAt) {
    }

    @GET
    @Operation(summary = "List a SQLite database's generations", description = "Generations in the destination with their "
            + "snapshots, WAL index range and restorable time range, newest first. 404 for an unknown database or a PostgreSQL one "
            + "(its restore points are under /backups).")
    @APIResponse(responseCode = "200", description = "the generations", content = @Content(schema = @Schema(implementation = GenerationList.class)))
    @APIResponse(responseCode = "404", description = "no such SQLite database", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "the destination cannot be read", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public GenerationList generations(@PathParam("db") String database) {
        LifeboatConfig config = active.get();
        if (assembler.database(config, database).type() != DatabaseType.SQLITE) {
            throw new Problem("/problems/not-sqlite", "Not a SQLite database", 404, database
                    + " is a PostgreSQL database: it has no generations but backups (GET /api/v1/databases/" + database + "/backups)").exception();
        }
        ReplicaCatalog catalog;
        try {
            catalog = ReplicaCatalog.load(destinations.forDatabase(database));
        } catch (IOException e) {
            throw Problem.destinationUnreadable("cannot list the replica of " + database + " in its destination: " + e.getMessage()).exception();
        }
        String current = replication.status(database)
                .map(s -> s instanceof ReplicationStatus.Replicating r ? r.generation() : null).orElse(null);
        return new GenerationList(database, current, catalog.generations().values().stream()
                .sorted(Comparator.comparing(ReplicaCatalog.Generation::updatedAt).reversed())
                .map(Generation::of).toList());
    }

    private static String hex(int index) {
        return String.format("%08x", index);
    }
}
