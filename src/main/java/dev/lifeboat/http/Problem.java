package dev.lifeboat.http;

import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An error answer of the {@code /api/v1} endpoints, as {@code application/problem+json} (RFC 9457). {@code type} is
 * a stable identifier of the kind of problem ({@code /problems/no-such-database}) that scripts can switch on;
 * {@code detail} says what went wrong with this request and what to do, never a secret.
 *
 * @param type   the kind of problem, a relative URI
 * @param title  the kind in words, the same for every occurrence
 * @param status the HTTP status code
 * @param detail this occurrence in words
 */
@RegisterForReflection
@Schema(name = "Problem", description = "An error answer (application/problem+json, RFC 9457)")
public record Problem(String type, String title, int status, String detail) {
    public static final String MEDIA_TYPE = "application/problem+json";

    /** 404: the named database is not configured. */
    public static Problem noSuchDatabase(String database) {
        return new Problem("/problems/no-such-database", "No such database", 404,
                "no database named '" + database + "' is configured (GET /api/v1/databases lists them)");
    }

    /** 400: a query parameter is out of range or malformed; {@code detail} names it. */
    public static Problem badParameter(String detail) {
        return new Problem("/problems/bad-parameter", "Bad request parameter", 400, detail);
    }

    /** 503: the configuration file does not load, so nothing it names can be answered. */
    public static Problem configInvalid(String detail) {
        return new Problem("/problems/config-invalid", "Configuration invalid", 503, detail);
    }

    /** 503: the destination could not be listed or read; {@code detail} says what was asked and the store's error. */
    public static Problem destinationUnreadable(String detail) {
        return new Problem("/problems/destination-unreadable", "Destination unreadable", 503, detail);
    }

    /** 401: the bearer token is missing or wrong. */
    public static Problem unauthorized(String detail) {
        return new Problem("/problems/unauthorized", "Unauthorized", 401, detail);
    }

    /** 403: the endpoint is disabled because its token is not configured. */
    public static Problem forbidden(String detail) {
        return new Problem("/problems/disabled", "Endpoint disabled", 403, detail);
    }

    /** This problem as a response, with {@code WWW-Authenticate: Bearer} on a 401. */
    public Response response() {
        Response.ResponseBuilder r = Response.status(status).type(MEDIA_TYPE).entity(this);
        if (status == 401) {
            r.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return r.build();
    }

    /** Throws this problem from a resource method (answered by {@link ProblemMapper}). */
    public ProblemException exception() {
        return new ProblemException(this);
    }
}
