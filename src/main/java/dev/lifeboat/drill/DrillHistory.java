package dev.lifeboat.drill;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.lifeboat.store.NoSuchObjectException;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The drill history of one database, kept in its destination next to its backups:
 * <pre>
 *   drills/&lt;drill id&gt;.json    one {@link DrillRecord} per drill, written once (create-if-absent), never changed
 * </pre>
 * Why the bucket and not a local file: the bucket is the source of truth (ARCHITECTURE.md). A PostgreSQL agent usually
 * runs on a Fly machine without a volume, and a replaced machine must still show when its backups were last proven;
 * both the agent and {@code lifeboat drill} on another machine write to the same history. Objects are immutable, so
 * there is no read-modify-write race between writers. The store scope is the database's folder
 * ({@code <prefix>/<database>/}); {@code drills/} sits beside {@code manifests/}, {@code data/} and {@code generations/}
 * and is ignored by backups, replication, retention and Litestream.
 *
 * <p>Ordering uses the times recorded in the records, never key names.
 */
public final class DrillHistory {
    private static final Logger LOG = Logger.getLogger(DrillHistory.class);
    public static final String PREFIX = "drills/";
    private static final String SUFFIX = ".json";

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final ObjectStore store;

    /** @param store the database's folder in its destination */
    public DrillHistory(ObjectStore store) {
        this.store = store;
    }

    static String key(String drillId) {
        return PREFIX + drillId + SUFFIX;
    }

    /** Stores {@code record}, then deletes the oldest records beyond {@code keep}. */
    public void append(DrillRecord record, int keep) throws IOException {
        byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record);
        if (!store.putIfAbsent(key(record.id()), json)) {
            throw new IOException("a different drill record with id " + record.id() + " already exists in " + store.describe());
        }
        prune(keep);
    }


    /** The newest {@code limit} records, newest first (by recorded start time). Unreadable records are logged and skipped. */
    public List<DrillRecord> recent(int limit) throws IOException {
        List<ObjectInfo> objects = new ArrayList<>(store.list(PREFIX).stream().filter(o -> o.key().endsWith(SUFFIX)).toList());
        // Read the most recently written objects first; the records' own times decide the order shown.
        objects.sort(Comparator.comparing(ObjectInfo::lastModified).reversed());
        List<DrillRecord> out = new ArrayList<>();
        for (ObjectInfo o : objects.subList(0, Math.min(objects.size(), limit))) {
            read(o.key()).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(DrillRecord::startedAt).reversed());
        return out;
    }

    private java.util.Optional<DrillRecord> read(String key) {
        try (InputStream in = store.get(key)) {
            return java.util.Optional.of(JSON.readValue(in.readAllBytes(), DrillRecord.class));
        } catch (NoSuchObjectException pruned) {
            return java.util.Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("unreadable drill record %s in %s skipped: %s", key, store.describe(), e.getMessage());
            return java.util.Optional.empty();
        }
    }

    /** Keeps the {@code keep} most recently written records. */
    void prune(int keep) throws IOException {
        List<ObjectInfo> objects = new ArrayList<>(store.list(PREFIX).stream().filter(o -> o.key().endsWith(SUFFIX)).toList());
        if (objects.size() <= keep) {
            return;
        }
        objects.sort(Comparator.comparing(ObjectInfo::lastModified).reversed());
        store.deleteAll(objects.subList(keep, objects.size()).stream().map(ObjectInfo::key).toList());
    }
}
