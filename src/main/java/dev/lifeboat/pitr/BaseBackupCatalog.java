package dev.lifeboat.pitr;

import dev.lifeboat.catalog.ManifestCodec;
import dev.lifeboat.store.NoSuchObjectException;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The PITR base backups of one database as their manifests say. The store is the database's folder; each backup
 * is the folder {@code pitr/base/<id>/} holding its data objects and, written last, {@code manifest.json}.
 * Reads are safe while a backup or a prune runs.
 */
public final class BaseBackupCatalog {
    private static final Logger LOG = Logger.getLogger(BaseBackupCatalog.class);

    private final ObjectStore store;

    public BaseBackupCatalog(ObjectStore store) {
        this.store = store;
    }

    public ObjectStore store() {
        return store;
    }

    /** Every readable base backup, oldest first by {@link BaseBackupManifest#consistentAt()}; unreadable manifests are logged and left out. */
    public List<BaseBackupManifest> list() throws IOException {
        List<BaseBackupManifest> out = new ArrayList<>();
        for (ObjectInfo info : store.list(PitrLayout.BASE)) {
            if (!isManifest(info.key())) {
                continue;
            }
            try (InputStream in = store.get(info.key())) {
                out.add(decode(in.readAllBytes()));
            } catch (NoSuchObjectException prunedMeanwhile) {
                // not a backup any more
            } catch (IOException unreadable) {
                LOG.warnf("unreadable base backup manifest %s in %s skipped: %s", info.key(), store.describe(), unreadable.getMessage());
            }
        }
        out.sort(Comparator.comparing(BaseBackupManifest::consistentAt).thenComparing(BaseBackupManifest::id));
        return out;
    }

    /** The base backup with this id. */
    public Optional<BaseBackupManifest> byId(String id) throws IOException {
        try (InputStream in = store.get(PitrLayout.baseManifestKey(id))) {
            return Optional.of(decode(in.readAllBytes()));
        } catch (NoSuchObjectException e) {
            return Optional.empty();
        }
    }

    /** The newest base backup consistent at or before {@code time} (a recovery target needs the backup's end behind it). */
    public Optional<BaseBackupManifest> newestConsistentBy(Instant time) throws IOException {
        return list().stream().filter(m -> !m.consistentAt().isAfter(time)).reduce((a, b) -> b);
    }

    /** Makes a base backup exist; call only once all its objects are complete. Refuses to replace a manifest. */
    public void publish(BaseBackupManifest m) throws IOException {
        for (BaseBackupManifest.StoredObject o : m.objects()) {
            if (store.stat(o.key()).isEmpty()) {
                throw new IOException("refusing to publish base backup " + m.id() + ": its object " + o.key() + " does not exist");
            }
        }
        if (!store.putIfAbsent(PitrLayout.baseManifestKey(m.id()), ManifestCodec.encodeValue(m))) {
            throw new IOException("a base backup manifest with id " + m.id() + " already exists in " + store.describe());
        }
    }

    /** True when exactly {@code m} is stored (after a publish whose answer was lost). */
    public boolean isPublished(BaseBackupManifest m) {
        try (InputStream in = store.get(PitrLayout.baseManifestKey(m.id()))) {
            return java.util.Arrays.equals(in.readAllBytes(), ManifestCodec.encodeValue(m));
        } catch (IOException notThere) {
            return false;
        }
    }

    /** Deletes a base backup: its manifest first (from then on it does not exist), then its objects. */
    public void delete(BaseBackupManifest m) throws IOException {
        store.deleteAll(List.of(PitrLayout.baseManifestKey(m.id())));
        store.deleteAll(m.objects().stream().map(BaseBackupManifest.StoredObject::key).toList());
    }

    /**
     * Removes what interrupted base backups left: incomplete uploads under the base folder and objects of folders
     * without a manifest. Call only while no base backup of this database runs. Returns how many were removed.
     */
    public int cleanUpLeftovers() throws IOException {
        int aborted = store.abortIncompleteUploads(PitrLayout.BASE, 0);
        Set<String> published = new HashSet<>();
        List<ObjectInfo> all = store.list(PitrLayout.BASE);
        for (ObjectInfo info : all) {
            if (isManifest(info.key())) {
                published.add(idOf(info.key()));
            }
        }
        List<String> orphans = all.stream().map(ObjectInfo::key).filter(k -> !published.contains(idOf(k))).toList();
        store.deleteAll(orphans);
        if (aborted + orphans.size() > 0) {
            LOG.infof("removed %d incomplete upload(s) and %d object(s) of unfinished base backups in %s", aborted, orphans.size(), store.describe());
        }
        return aborted + orphans.size();
    }

    /** True for {@code pitr/base/<id>/manifest.json}. */
    static boolean isManifest(String key) {
        return key.startsWith(PitrLayout.BASE) && key.equals(PitrLayout.baseManifestKey(idOf(key)));
    }

    /** The base backup id of a key under {@link PitrLayout#BASE}. */
    static String idOf(String key) {
        String rest = key.substring(PitrLayout.BASE.length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    static BaseBackupManifest decode(byte[] json) throws IOException {
        BaseBackupManifest m = ManifestCodec.decodeValue(json, BaseBackupManifest.class);
        if (m.id() == null || m.consistentAt() == null || m.objects() == null || m.objects().isEmpty() || m.startLsn() == null) {
            throw new IOException("base backup manifest lacks id, consistentAt, objects or startLsn");
        }
        return m;
    }
}
