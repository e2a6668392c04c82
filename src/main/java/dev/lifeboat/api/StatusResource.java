package dev.lifeboat.api;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.InvalidConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.sqlite.SqliteVersion;
import dev.lifeboat.store.Destinations;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** {@code GET /api/v1/status}: everything Lifeboat knows, secrets redacted. Capabilities add their parts through {@link StatusContributor}. */
@Path("/api/v1/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {
    static final String API_VERSION = "v1";
    private static final Instant STARTED = Instant.now();

    @Inject
    ActiveConfig active;

    @Inject
    Destinations destinations;

    @Inject
    Instance<StatusContributor> contributors;

    @GET
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("apiVersion", API_VERSION);
        status.put("startedAt", STARTED.toString());
        status.put("now", Instant.now().toString());
        status.put("fly", FlyEnvironment.labels());
        status.put("sqliteVersion", SqliteVersion.bundled());
        Map<String, Object> configSection = new LinkedHashMap<>();
        configSection.put("file", active.path().toString());
        status.put("config", configSection);
        LifeboatConfig config;
        try {
            config = active.get();
            configSection.put("valid", true);
        } catch (InvalidConfigException e) {
            configSection.put("valid", false);
            configSection.put("problems", e.problems().stream().map(Object::toString).toList());
            return status;
        }
        status.put("destinations", destinations(config));
        status.put("databases", databases(config));
        status.put("volumes", volumes(config));
        contributors.forEach(c -> c.describe(status));
        return status;
    }

    private Map<String, Object> destinations(LifeboatConfig config) {
        Map<String, Object> out = new TreeMap<>();
        var checks = destinations.lastChecks();
        config.destinations().forEach((name, d) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("url", d.url());
            d.endpoint().ifPresent(v -> e.put("endpoint", Redaction.url(v)));
            e.put("region", d.region());
            e.put("pathStyle", d.pathStyle());
            e.put("credentials", d.accessKeyId().isPresent() ? "static keys (redacted)" : "default AWS chain");
            var check = checks.get(name);
            if (check != null) {
                e.put("reachable", check.reachable());
                e.put("checkedAt", check.checkedAt().toString());
                if (check.error() != null) {
                    e.put("error", check.error());
                }
            }
            out.put(name, e);
        });
        return out;
    }

    private Map<String, Object> databases(LifeboatConfig config) {
        Map<String, Object> out = new TreeMap<>();
        config.databases().forEach((name, db) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("type", db.type());
            e.put("destination", db.destination());
            db.path().ifPresent(p -> e.put("path", p));
            db.url().ifPresent(u -> e.put("url", Redaction.url(u)));
            if (db.type().equals("postgres")) {
                e.put("schedule", db.schedule());
                e.put("compression", db.compression());
            } else {
                e.put("syncInterval", db.syncInterval().toString());
            }
            e.put("encrypted", db.encryption().isPresent());
            contributors.forEach(c -> c.describeDatabase(name, e));
            out.put(name, e);
        });
        return out;
    }

    private Map<String, Object> volumes(LifeboatConfig config) {
        Map<String, Object> out = new TreeMap<>();
        config.volumes().forEach((name, v) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", v.path());
            e.put("requireMount", v.requireMount());
            contributors.forEach(c -> c.describeVolume(name, e));
            out.put(name, e);
        });
        return out;
    }

}
