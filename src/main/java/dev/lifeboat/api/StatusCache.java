package dev.lifeboat.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.alert.AlertService;
import dev.lifeboat.alert.AlertsStatus;
import dev.lifeboat.alert.Verdict;
import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.InvalidConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.runtime.TrackedRun;
import dev.lifeboat.store.Destinations;
import dev.lifeboat.volume.VolumeReport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@code GET /api/v1/status} and {@code GET /api/v1/databases[/{db}]} answer: one assembled {@link StatusDocument}
 * kept for {@code http.status-cache} (1 s by default), each representation serialized once and served as the same
 * bytes with a strong {@code ETag}, so a poller costs a lookup instead of an assembly and a serialization of every
 * database, and one that sends {@code If-None-Match} gets {@code 304} while nothing changed.
 * <p>
 * It never answers more than the capabilities said (the document is assembled from their records, which come from
 * the destination); it may only answer older. How much older is bounded twice: by the TTL, and by a key read on every
 * request from cheap in-memory state (the configuration in force, the verdict, the alerts section, the destinations'
 * last checks, runs begun or finished ({@link TrackedRun#changes}), volume reports): when any of it differs from the
 * cached document's, the request assembles a new one at once. So the verdict is never stale; only figures that move by
 * themselves (lag, RPO, counters) can be up to the TTL old, and the document's {@code now} says when it was assembled.
 * An invalid configuration is never cached (there is nothing expensive to assemble).
 */
@ApplicationScoped
public class StatusCache {
    @Inject
    StatusAssembler assembler;

    @Inject
    ActiveConfig active;

    @Inject
    AlertService alerts;

    @Inject
    Destinations destinations;

    @Inject
    ObjectMapper json;

    /** Volume checks run on the monitor's own schedule and are announced only as events: counted here. */
    private final AtomicLong volumeReports = new AtomicLong();

    private volatile Entry current;

    /**
     * What makes a cached document wrong at once, whatever its age; read on every request. The configuration is
     * compared by identity (a reload installs a new one).
     */
    private record Key(LifeboatConfig config, Verdict verdict, AlertsStatus alerts, Map<String, Destinations.Reachability> checks,
                       long runs, long volumeReports) {
        boolean same(Key other) {
            return config == other.config && verdict.equals(other.verdict) && alerts.equals(other.alerts)
                    && checks.equals(other.checks) && runs == other.runs && volumeReports == other.volumeReports;
        }
    }

    /** A serialized representation and its strong entity tag (quoted, as the header carries it). */
    record Body(byte[] bytes, String etag) {
    }

    /** One assembled document and, made on first use, its representations. */
    static final class Entry {
        final Key key;
        final long assembledAtNanos;
        final StatusDocument document;
        private volatile Body status;
        private volatile Body databases;

        Entry(Key key, long assembledAtNanos, StatusDocument document) {
            this.key = key;
            this.assembledAtNanos = assembledAtNanos;
            this.document = document;
        }

        LifeboatConfig config() {
            return key.config;
        }
    }

    void onVolumeReport(@Observes VolumeReport report) {
        volumeReports.incrementAndGet();
    }

    /** The status document as {@code GET /api/v1/status} serves it. */
    Body status() {
        Entry e = entry();
        Body b = e.status;
        if (b == null) {
            b = serialize(e.document);
            e.status = b;
        }
        return b;
    }

    /**
     * The databases as {@code GET /api/v1/databases} serves them; throws {@link InvalidConfigException} (a 503)
     * while the configuration is invalid.
     */
    Body databases() {
        Entry e = entry();
        if (e.config() == null) {
            active.get(); // throws: the problems are the answer
        }
        Body b = e.databases;
        if (b == null) {
            b = serialize(views(e, e.config()));
            e.databases = b;
        }
        return b;
    }

    /** One database's view from the same document; a 404 problem for a name not configured. */
    DatabaseView database(String name) {
        Entry e = entry();
        LifeboatConfig config = e.config() == null ? active.get() : e.config();
        var db = assembler.database(config, name);
        return DatabaseView.of(name, db, e.document.databases().get(name), config.volumes());
    }

    private static SortedMap<String, DatabaseView> views(Entry e, LifeboatConfig config) {
        SortedMap<String, DatabaseView> out = new TreeMap<>();
        e.document.databases().forEach((name, status) ->
                out.put(name, DatabaseView.of(name, config.databases().get(name), status, config.volumes())));
        return out;
    }

    private Entry entry() {
        Key key = key();
        Entry e = current;
        long now = System.nanoTime();
        if (fresh(e, key, now)) {
            return e;
        }
        synchronized (this) { // pollers arriving together wait for one assembly instead of each making their own
            e = current;
            if (fresh(e, key, now)) {
                return e;
            }
            // The key is read before the document: whatever changes meanwhile makes the next key differ.
            e = new Entry(key, System.nanoTime(), assembler.status(key.verdict, key.alerts));
            if (key.config != null) {
                current = e;
            }
            return e;
        }
    }

    private static boolean fresh(Entry e, Key key, long nowNanos) {
        return e != null && key.config != null && e.key.same(key)
                && nowNanos - e.assembledAtNanos < key.config.http().statusCache().toNanos();
    }

    private Key key() {
        LifeboatConfig config;
        try {
            config = active.get();
        } catch (InvalidConfigException e) {
            config = null;
        }
        return new Key(config, alerts.verdict(), alerts.status(), destinations.lastChecks(), TrackedRun.changes(), volumeReports.get());
    }

    private Body serialize(Object value) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return new Body(bytes, etag(bytes));
    }

    /** A strong tag: the SHA-256 of the bytes (128 bits of it), so equal bodies get equal tags across assemblies. */
    static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code 304 Not Modified} when {@code ifNoneMatch} names this body's tag (or is {@code *}), else {@code 200} with
     * the bytes. Both carry the tag and {@code Cache-Control: no-cache} (a client may keep the body but must ask again).
     */
    static Response respond(Body body, String ifNoneMatch) {
        Response.ResponseBuilder r = matches(ifNoneMatch, body.etag()) ? Response.notModified()
                : Response.ok(body.bytes(), MediaType.APPLICATION_JSON_TYPE);
        return r.header("ETag", body.etag()).header("Cache-Control", "no-cache").build();
    }

    /** RFC 9110 If-None-Match: a list of tags compared weakly ({@code W/} ignored), or {@code *}. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String t = candidate.strip();
            if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
