package dev.lifeboat.http;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.HttpConfig;
import dev.lifeboat.config.InvalidConfigException;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The one place that guards {@code /api/**}, before a request is matched to a resource, so that a missing or wrong
 * token is answered before any lookup and never reveals whether a database (or an endpoint) exists:
 * <ul>
 *   <li>{@code GET}, {@code HEAD} and {@code OPTIONS} (reads) are open unless {@code http.read-token} is set; then they
 *       need {@code Authorization: Bearer <read-token or api-token>}, else {@code 401}.</li>
 *   <li>Every other method (mutations: {@code POST}, {@code PUT}, {@code DELETE}...) needs
 *       {@code Bearer <http.api-token>}: {@code 401} without or with a wrong one, {@code 403} while no api-token is
 *       configured, {@code 503} while the configuration is invalid (the token is then unknown).</li>
 * </ul>
 * Resources therefore never check tokens themselves: a new endpoint is guarded by its method. Tokens are compared in
 * constant time and never echoed. {@code /q/health}, {@code /q/metrics} and {@code /q/openapi} are not under {@code /api}.
 */
public class ApiTokens {
    static final String GUARDED = "/api/";
    private static final java.util.regex.Pattern SLASHES = java.util.regex.Pattern.compile("/{2,}");

    @Inject
    ActiveConfig active;

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> check(ContainerRequestContext request) {
        // The decoded path the router matches on, with doubled slashes collapsed, so no spelling of /api/ slips past.
        String path = SLASHES.matcher("/" + request.getUriInfo().getPath()).replaceAll("/");
        if (!path.startsWith(GUARDED)) {
            return Optional.empty();
        }
        String presented = bearer(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        return (isRead(request.getMethod()) ? read(presented) : mutate(presented)).map(Problem::response);
    }

    static boolean isRead(String method) {
        return method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
    }

    private Optional<Problem> read(String presented) {
        HttpConfig http;
        try {
            http = active.get().http();
        } catch (InvalidConfigException e) {
            // No token is known, and no endpoint answers more than the configuration's problems until it loads.
            return Optional.empty();
        }
        Optional<String> readToken = configured(http.readToken());
        if (readToken.isEmpty() || matches(presented, readToken) || matches(presented, configured(http.apiToken()))) {
            return Optional.empty();
        }
        return Optional.of(Problem.unauthorized("missing or wrong token: reads need Authorization: Bearer <http.read-token> (or <http.api-token>)"));
    }

    private Optional<Problem> mutate(String presented) {
        Optional<String> apiToken;
        try {
            apiToken = configured(active.get().http().apiToken());
        } catch (InvalidConfigException e) {
            return Optional.of(Problem.configInvalid("the configuration is invalid, so the API token is unknown; fix it (see /api/v1/status)"));
        }
        if (apiToken.isEmpty()) {
            return Optional.of(Problem.forbidden("POST endpoints are disabled because http.api-token is not set; set it in "
                    + active.path() + " (for example api-token: ${LIFEBOAT_API_TOKEN}) and send Authorization: Bearer <token>"));
        }
        if (!matches(presented, apiToken)) {
            return Optional.of(Problem.unauthorized("missing or wrong API token; send Authorization: Bearer <http.api-token>"));
        }
        return Optional.empty();
    }

    private static Optional<String> configured(Optional<String> token) {
        return token.filter(t -> !t.isBlank());
    }

    /** The token of an {@code Authorization: Bearer} header, empty when there is none. */
    private static String bearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : "";
    }

    /** Constant-time comparison: the time taken tells nothing about how much of the token was right. */
    private static boolean matches(String presented, Optional<String> token) {
        return token.isPresent() && !presented.isEmpty()
               && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.get().getBytes(StandardCharsets.UTF_8));
    }
}
