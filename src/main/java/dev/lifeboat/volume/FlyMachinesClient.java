package dev.lifeboat.volume;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.config.FlyConfig;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads volumes and their snapshots from the Fly Machines API ({@code GET /v1/apps/{app}/volumes} and
 * {@code GET /v1/apps/{app}/volumes/{id}/snapshots}), with the JDK's HTTP client (no extra dependency, native-image
 * friendly). Only the fields Lifeboat needs are read; unknown fields are ignored so API additions never break it.
 * The token is sent as a bearer header and appears in no message, log or {@code toString}.
 */
public final class FlyMachinesClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Settings settings;
    private final HttpClient http;

    /**
     * Where and as whom to ask.
     *
     * @param baseUrl e.g. {@code http://_api.internal:4280} (no trailing {@code /v1})
     * @param app     Fly app whose volumes are listed
     * @param token   API token; never printed
     */
    public record Settings(String baseUrl, String app, String token) {
        /**
         * Settings from the configuration, falling back to the variables Fly sets ({@code FLY_API_HOSTNAME},
         * {@code FLY_APP_NAME}, {@code FLY_API_TOKEN}); empty when there is no token or no app name.
         */
        public static Optional<Settings> from(FlyConfig config, Map<String, String> env) {
            String token = config.apiToken().filter(t -> !t.isBlank()).orElse(env.get("FLY_API_TOKEN"));
            String app = config.app().filter(a -> !a.isBlank()).orElse(env.get("FLY_APP_NAME"));
            if (token == null || token.isBlank() || app == null || app.isBlank()) {
                return Optional.empty();
            }
            String base = config.apiUrl().filter(u -> !u.isBlank())
                    .orElse(Optional.ofNullable(env.get("FLY_API_HOSTNAME")).filter(h -> !h.isBlank()).orElse(FlyConfig.DEFAULT_API_URL));
            return Optional.of(new Settings(base.replaceAll("/+$", ""), app, token.trim()));
        }

        @Override
        public String toString() {
            return "Settings[baseUrl=" + baseUrl + ", app=" + app + ", token=***]";
        }
    }

    /** A volume as listed by the API; absent fields are null. */
    public record FlyVolume(String id, String name, String state, String region, Integer sizeGb,
                            String attachedMachineId, Instant createdAt, Integer snapshotRetentionDays,
                            Boolean autoBackupEnabled) {
    }

    /** One snapshot of a volume; absent fields are null. */
    public record FlySnapshot(String id, Instant createdAt, Long size, String digest, String status,
                              Integer retentionDays) {
    }

    /** The API could not be asked or gave an answer we cannot read; the message is safe to show. */
    public static final class FlyApiException extends IOException {
        public FlyApiException(String message) {
            super(message);
        }
    }

    public FlyMachinesClient(Settings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public Settings settings() {
        return settings;
    }

    /** Every volume of the app, in the API's order. */
    public List<FlyVolume> volumes() throws FlyApiException {
        JsonNode body = get("/v1/apps/" + encode(settings.app()) + "/volumes");
        List<FlyVolume> out = new ArrayList<>();
        for (JsonNode v : array(body, "volumes")) {
            out.add(new FlyVolume(text(v, "id"), text(v, "name"), text(v, "state"), text(v, "region"),
                    integer(v, "size_gb"), text(v, "attached_machine_id"), instant(v, "created_at"),
                    integer(v, "snapshot_retention"), v.hasNonNull("auto_backup_enabled") ? v.get("auto_backup_enabled").asBoolean() : null));
        }
        return out;
    }

    /** The snapshots of volume {@code volumeId}. */
    public List<FlySnapshot> snapshots(String volumeId) throws FlyApiException {
        JsonNode body = get("/v1/apps/" + encode(settings.app()) + "/volumes/" + encode(volumeId) + "/snapshots");
        List<FlySnapshot> out = new ArrayList<>();
        for (JsonNode s : array(body, "snapshots")) {
            out.add(new FlySnapshot(text(s, "id"), instant(s, "created_at"),
                    s.hasNonNull("size") ? s.get("size").asLong() : null, text(s, "digest"), text(s, "status"),
                    integer(s, "retention_days")));
        }
        return out;
    }

    private JsonNode get(String path) throws FlyApiException {
        String where = settings.baseUrl() + path;
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(where)).timeout(TIMEOUT)
                    .header("Authorization", "Bearer " + settings.token()).header("Accept", "application/json").GET().build();
        } catch (IllegalArgumentException e) {
            throw new FlyApiException("invalid Fly Machines API URL " + where + "; check fly.api-url");
        }
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new FlyApiException("cannot reach the Fly Machines API at " + settings.baseUrl() + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + scrub(e.getMessage())) + "); on Fly it is http://_api.internal:4280, reachable from every machine");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FlyApiException("interrupted while asking the Fly Machines API");
        }
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            throw new FlyApiException("the Fly Machines API refused the token (HTTP " + status + " for GET " + path
                    + "); set FLY_API_TOKEN to a token of app '" + settings.app() + "' (fly tokens create deploy)");
        }
        if (status == 404) {
            throw new FlyApiException("the Fly Machines API knows no " + path + " (HTTP 404); check the app name (FLY_APP_NAME or fly.app)");
        }
        if (status / 100 != 2) {
            throw new FlyApiException("the Fly Machines API answered HTTP " + status + " to GET " + path + ": " + scrub(abbreviate(response.body())));
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new FlyApiException("the Fly Machines API sent something that is not JSON for GET " + path);
        }
    }

    /** The documented answers are bare arrays; an object wrapping the array under {@code key} is accepted too. */
    private static Iterable<JsonNode> array(JsonNode body, String key) throws FlyApiException {
        if (body != null && body.isArray()) {
            return body;
        }
        if (body != null && body.has(key) && body.get(key).isArray()) {
            return body.get(key);
        }
        if (body == null || body.isNull()) {
            return List.of();
        }
        throw new FlyApiException("unexpected answer from the Fly Machines API: expected a list of " + key);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    private static Integer integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || !v.canConvertToInt() ? null : v.asInt();
    }

    private static Instant instant(JsonNode n, String field) {
        String t = text(n, field);
        if (t == null) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(t);
            } catch (DateTimeParseException again) {
                return null;
            }
        }
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String s) {
        String oneLine = s == null ? "" : s.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }

    /** Keeps the token out of messages even if a server or exception echoes it. */
    private String scrub(String text) {
        return settings.token().isEmpty() ? text : text.replace(settings.token(), "***");
    }
}
