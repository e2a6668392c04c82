package dev.lifeboat.alert;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.lifeboat.alert.AlertState.Status;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.InvalidConfigException;
import dev.lifeboat.http.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code GET /api/v1/alerts}: firing, pending and recently resolved alerts, the outbox and the sinks (targets shown
 * as scheme://host only). {@code POST /api/v1/alerts/test}: queues a test notification to every sink (or those
 * named by {@code ?sink=}), tries to deliver it at once and reports per sink; needs {@code http.api-token} as
 * {@code Authorization: Bearer <token>} and is disabled (403) while no token is configured, both checked by
 * {@link dev.lifeboat.http.ApiTokens} before this class sees the request. Errors are {@link Problem} bodies.
 */
@Path("/api/v1/alerts")
@Produces(MediaType.APPLICATION_JSON)
public class AlertsResource {
    static final int LISTED = 50;

    @Inject
    AlertService alerts;

    @Inject
    ActiveConfig active;

    /**
     * The answer of {@code GET}.
     *
     * @param lastEvaluatedAt the last evaluation of the rules, null before the first
     * @param sourceError     why a condition source failed in that evaluation, absent when none did
     * @param sinks           configured sinks by name
     */
    @io.quarkus.runtime.annotations.RegisterForReflection // Jackson writes it at run time (NativeRegistrationIT)
    public record AlertList(Instant lastEvaluatedAt, @JsonInclude(JsonInclude.Include.NON_NULL) String sourceError,
                            List<AlertView> firing, List<AlertView> pending, List<AlertView> resolved, OutboxView outbox,
                            Map<String, SinkView> sinks) {
    }

    /** The answer of {@code POST /test}: whether every sink took its notification, and each sink's attempt. */
    @io.quarkus.runtime.annotations.RegisterForReflection // Jackson writes it at run time (NativeRegistrationIT)
    public record TestReport(boolean delivered, List<TestResult> results) {
    }

    /** One sink's test notification with the sink's type and {@code delivered}, {@code retrying} or {@code failed}. */
    @io.quarkus.runtime.annotations.RegisterForReflection // Jackson writes it at run time (NativeRegistrationIT)
    public record TestResult(@JsonUnwrapped DeliveryView delivery, String type, String status) {
    }

    @GET
    @Tag(name = "alerts", description = "Alerts, the outbox and the sinks")
    @Operation(summary = "List the alerts", description = "Firing, pending and recently resolved alerts, the outbox and the "
            + "sinks (targets as scheme://host only). 503 while the configuration is invalid.")
    @APIResponse(responseCode = "200", description = "the alerts", content = @Content(schema = @Schema(implementation = AlertList.class)))
    public Response list() {
        AlertRuntime r;
        try {
            r = alerts.runtime();
        } catch (InvalidConfigException e) {
            return error(Response.Status.SERVICE_UNAVAILABLE, "the configuration is invalid (" + e.problems().size()
                    + " problem(s), listed by /api/v1/status); alerting runs once it loads");
        }
        var states = r.alerter.states().values();
        Map<String, SinkView> sinks = new TreeMap<>();
        r.sinks.forEach((name, sink) -> sinks.put(name, SinkView.of(sink)));
        AlertList out = new AlertList(r.alerter.lastEvaluatedAt(), r.alerter.lastSourceError(), withStatus(states, Status.FIRING),
                withStatus(states, Status.PENDING), withStatus(states, Status.RESOLVED), OutboxView.of(r.outbox, LISTED), sinks);
        return Response.ok(out).build();
    }

    @POST
    @Path("/test")
    @Tag(name = "alerts")
    @SecurityRequirement(name = "bearer")
    @Operation(summary = "Send a test notification", description = "Queues a test notification to every sink (or those named "
            + "by sink), tries to deliver it at once and reports per sink: 200 when all took it, 502 otherwise. Needs "
            + "Authorization: Bearer <http.api-token>.")
    @APIResponse(responseCode = "200", description = "every sink took it", content = @Content(schema = @Schema(implementation = TestReport.class)))
    @APIResponse(responseCode = "401", description = "missing or wrong token", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = "no http.api-token is configured", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "no sink of that name", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "no sinks are configured", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "502", description = "a sink did not take it", content = @Content(schema = @Schema(implementation = TestReport.class)))
    public Response test(@QueryParam("sink") List<String> sinkNames) throws IOException {
        AlertRuntime r;
        try {
            r = alerts.runtime();
        } catch (InvalidConfigException e) {
            return error(Response.Status.SERVICE_UNAVAILABLE, "the configuration is invalid; fix it (see /api/v1/status) and try again");
        }
        if (r.sinks.isEmpty()) {
            return error(Response.Status.CONFLICT, "no alert sinks are configured; add one under alerts.sinks in " + active.path());
        }
        for (String name : sinkNames) {
            if (!r.sinks.containsKey(name)) {
                return error(Response.Status.NOT_FOUND, "no alert sink named '" + name + "' (configured: " + String.join(", ", r.sinks.keySet()) + ")");
            }
        }
        List<Outbox.Delivery> queued = r.alerter.queueTest(sinkNames);
        r.deliverer.deliverDue();
        List<TestResult> results = new ArrayList<>();
        List<Outbox.Delivery> failed = r.outbox.failed();
        List<Outbox.Delivery> pending = r.outbox.pending();
        for (Outbox.Delivery q : queued) {
            Optional<Outbox.Delivery> stillPending = pending.stream().filter(d -> d.id().equals(q.id())).findFirst();
            Optional<Outbox.Delivery> gaveUp = failed.stream().filter(d -> d.id().equals(q.id())).findFirst();
            String type = r.sinks.get(q.sink()).type();
            if (stillPending.isPresent()) {
                results.add(new TestResult(DeliveryView.of(stillPending.get()), type, "retrying"));
            } else if (gaveUp.isPresent()) {
                results.add(new TestResult(DeliveryView.of(gaveUp.get()), type, "failed"));
            } else {
                results.add(new TestResult(DeliveryView.of(q).delivered(), type, "delivered"));
            }
        }
        boolean allDelivered = results.stream().allMatch(t -> t.status().equals("delivered"));
        return Response.status(allDelivered ? 200 : 502).entity(new TestReport(allDelivered, results)).build();
    }

    private static List<AlertView> withStatus(Collection<AlertState> states, Status status) {
        return states.stream().filter(a -> a.status() == status).map(AlertView::of).toList();
    }

    private static Response error(Response.Status status, String message) {
        return new Problem("/problems/" + switch (status) {
            case CONFLICT -> "no-sinks";
            case NOT_FOUND -> "no-such-sink";
            default -> "config-invalid";
        }, status.getReasonPhrase(), status.getStatusCode(), message).response();
    }
}
