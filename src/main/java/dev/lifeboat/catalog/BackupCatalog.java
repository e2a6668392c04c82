package dev.lifeboat.catalog;

import dev.lifeboat.store.NoSuchObjectException;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The backups of one database, as its manifests in the store say. The store is scoped to the database's folder
 * ({@code Destinations.forDatabase}); keys are:
 * <pre>
 *   manifests/&lt;id&gt;.json     the manifest; its existence is the backup's existence
 *   data/&lt;id&gt;.&lt;ext&gt;          the data object it describes (any name; the manifest's dataKey is authoritative)
 * </pre>
 * Reads are safe to run concurrently with a backup or a prune. Used by backups, restores, retention and drills.
 */
public final class BackupCatalog {
    private static final Logger LOG = Logger.getLogger(BackupCatalog.class);
    public static final String MANIFESTS = "manifests/";
    public static final String DATA = "data/";
    private static final String MANIFEST_SUFFIX = ".json";
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectStore store;

    public BackupCatalog(ObjectStore store) {
        this.store = store;
    }

    public ObjectStore store() {
        return store;
    }

    /** A new unique backup id: UTC start time and 6 random hex digits ({@code 20261123T203100Z-4f2a9c}). */
    public static String newId(Instant startedAt) {
        byte[] r = new byte[3];
        RANDOM.nextBytes(r);
        return ID_TIME.format(startedAt) + "-" + HexFormat.of().formatHex(r);
    }

    /** Where the data of backup {@code id} goes, with a suffix telling its format ({@code .pgdump.zst.age}). */
    public static String dataKey(String id, String suffix) {
        return DATA + id + suffix;
    }

    public static String manifestKey(String id) {
        return MANIFESTS + id + MANIFEST_SUFFIX;
    }

    /** True when {@code key} (relative to the database's folder) names a manifest. */
    static boolean isManifestKey(String key) {
        return key.startsWith(MANIFESTS) && key.endsWith(MANIFEST_SUFFIX);
    }

    /**
     * Every readable manifest, oldest first by {@link Manifest#startedAt()} (never by id or key). A manifest
     * that cannot be read or parsed is logged and left out — and its data is never treated as an orphan.
     */
    public List<Manifest> list() throws IOException {
        List<Manifest> out = new ArrayList<>();
        for (ObjectInfo info : store.list(MANIFESTS)) {
            if (!info.key().endsWith(MANIFEST_SUFFIX)) {
                continue;
            }
            byte[] json;
            try (InputStream in = store.get(info.key())) {
                json = in.readAllBytes();
            } catch (NoSuchObjectException deletedMeanwhile) {
                continue; // pruned while we listed: not a backup any more
            }
            try {
                out.add(ManifestCodec.decode(json));
            } catch (IOException unparseable) {
                LOG.warnf("unreadable manifest %s in %s skipped: %s", info.key(), store.describe(), unparseable.getMessage());
            }
        }
        out.sort(Comparator.comparing(Manifest::startedAt).thenComparing(Manifest::id));
        return out;
    }

    /** The newest backup by manifest time. */
    public Optional<Manifest> latest() throws IOException {
        List<Manifest> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /** The backup with this id. */
    public Optional<Manifest> byId(String id) throws IOException {
        try (InputStream in = store.get(manifestKey(id))) {
            return Optional.of(ManifestCodec.decode(in.readAllBytes()));
        } catch (NoSuchObjectException e) {
            return Optional.empty();
        }
    }

    /** The newest backup that started at or before {@code time} (for {@code restore --at}). */
    public Optional<Manifest> latestAtOrBefore(Instant time) throws IOException {
        Manifest best = null;
        for (Manifest m : list()) {
            if (!m.startedAt().isAfter(time)) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Makes a backup exist by writing its manifest; call only once its data object is complete. Refuses to
     * replace an existing manifest.
     */
    public void publish(Manifest m) throws IOException {
        if (store.stat(m.dataKey()).isEmpty()) {
            throw new IOException("refusing to publish manifest " + m.id() + ": its data " + m.dataKey() + " does not exist");
        }
        if (!store.putIfAbsent(manifestKey(m.id()), ManifestCodec.encode(m))) {
            throw new IOException("a manifest with id " + m.id() + " already exists in " + store.describe());
        }
    }

    /**
     * True when exactly {@code m} is stored as a manifest: after {@link #publish} failed with an error whose request
     * may still have reached the store, this tells whether the backup exists after all (its data must then stay).
     */
    public boolean isPublished(Manifest m) {
        try (InputStream in = store.get(manifestKey(m.id()))) {
            return java.util.Arrays.equals(in.readAllBytes(), ManifestCodec.encode(m));
        } catch (IOException notThereOrUnreachable) {
            return false;
        }
    }

    /** Opens the data object of a backup (stored bytes: compressed, maybe encrypted). */
    public InputStream openData(Manifest m) throws IOException {
        return store.get(m.dataKey());
    }

    /** Deletes a backup: the manifest first (from then on the backup does not exist), then its data. */
    public void delete(Manifest m) throws IOException {
        store.deleteAll(List.of(manifestKey(m.id())));
        store.deleteAll(List.of(m.dataKey()));
    }

    /**
     * Data objects that no manifest claims (a backup killed between completing its data and writing its
     * manifest) and that are older than {@code minAgeMillis}. Ids of unreadable manifests still protect their data.
     */
    public List<String> orphans(long minAgeMillis) throws IOException {
        Set<String> claimedIds = new HashSet<>();
        for (ObjectInfo info : store.list(MANIFESTS)) {
            String name = info.key().substring(MANIFESTS.length());
            claimedIds.add(name.endsWith(MANIFEST_SUFFIX) ? name.substring(0, name.length() - MANIFEST_SUFFIX.length()) : name);
        }
        Instant cutoff = Instant.now().minusMillis(minAgeMillis);
        List<String> out = new ArrayList<>();
        for (ObjectInfo info : store.list(DATA)) {
            String name = info.key().substring(DATA.length());
            int dot = name.indexOf('.');
            String id = dot < 0 ? name : name.substring(0, dot);
            if (!claimedIds.contains(id) && info.lastModified().isBefore(cutoff)) {
                out.add(info.key());
            }
        }
        return out;
    }

    /**
     * Removes what interrupted backups left: incomplete multipart uploads under {@code data/} and orphaned data
     * objects. Call only while no backup of this database runs (under the single-flight lock). Returns how many
     * leftovers were removed.
     */
    public int cleanUpLeftovers() throws IOException {
        int aborted = store.abortIncompleteUploads(DATA, 0);
        List<String> orphans = orphans(0);
        store.deleteAll(orphans);
        if (aborted + orphans.size() > 0) {
            LOG.infof("removed %d incomplete upload(s) and %d orphaned data object(s) left by interrupted backups in %s",
                    aborted, orphans.size(), store.describe());
        }
        return aborted + orphans.size();
    }
}
