package dev.lifeboat.catalog;

import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.AuditReport.Problem;
import dev.lifeboat.store.NoSuchObjectException;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.stream.DigestingInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that every backup whose manifest is in the destination still has its data object, with the size the
 * manifest recorded. One listing of the database's folder per audit; manifests are immutable, so each is read once
 * and remembered (steady state: one request). {@code deep} also downloads the newest backup's data and compares its
 * SHA-256 with the manifest's.
 */
public final class BackupAudit {
    private final Map<String, Manifest> manifests = new HashMap<>();
    private int requests;

    /** Audits the backups of {@code database} in {@code store} (the database's folder). */
    public synchronized AuditReport audit(String database, ObjectStore store, boolean deep) throws IOException {
        requests = 0;
        Instant now = Instant.now();
        requests++;
        Map<String, ObjectInfo> listed = new HashMap<>();
        for (ObjectInfo o : store.list("")) {
            listed.put(o.key(), o);
        }
        manifests.keySet().retainAll(listed.keySet());
        List<Problem> problems = new ArrayList<>();
        List<Manifest> backups = new ArrayList<>();
        for (ObjectInfo o : listed.values()) {
            if (!BackupCatalog.isManifestKey(o.key())) {
                continue;
            }
            Manifest m = manifests.get(o.key());
            if (m == null) {
                m = read(store, o.key(), problems);
            }
            if (m != null) {
                manifests.put(o.key(), m);
                backups.add(m);
            }
        }
        backups.sort(Comparator.comparing(Manifest::startedAt).thenComparing(Manifest::id).reversed());
        List<String> damaged = new ArrayList<>();
        Manifest newestIntact = null;
        for (Manifest m : backups) {
            ObjectInfo data = listed.get(m.dataKey());
            String problem = data == null ? "missing (backup " + m.id() + ")"
                    : data.size() != m.storedBytes() ? "size " + data.size() + " bytes, recorded " + m.storedBytes() + " (backup " + m.id() + ")"
                    : null;
            if (problem == null && deep && m == backups.getFirst()) {
                problem = checksumProblem(store, m);
            }
            if (problem != null) {
                problems.add(new Problem(m.dataKey(), problem));
                damaged.add(m.id());
            } else if (newestIntact == null) {
                newestIntact = m;
            }
        }
        Manifest newest = backups.isEmpty() ? null : backups.getFirst();
        return new AuditReport(database, now, newest == null ? null : "backup " + newest.id(), newest != null && newest == newestIntact,
                newestIntact == null ? null : newestIntact.startedAt(), problems, damaged, requests, deep);
    }

    /**
     * The manifests the last audit saw, oldest first by start time: the backup history the dashboard charts, at no
     * cost beyond the audit's own listing (manifests are immutable, each was read once).
     */
    public synchronized List<Manifest> known() {
        List<Manifest> out = new ArrayList<>(manifests.values());
        out.sort(Comparator.comparing(Manifest::startedAt).thenComparing(Manifest::id));
        return out;
    }

    private Manifest read(ObjectStore store, String key, List<Problem> problems) throws IOException {
        requests++;
        byte[] json;
        try (InputStream in = store.get(key)) {
            json = in.readAllBytes();
        } catch (NoSuchObjectException prunedMeanwhile) {
            return null;
        }
        try {
            return ManifestCodec.decode(json);
        } catch (IOException unreadable) {
            problems.add(new Problem(key, "unreadable manifest: " + unreadable.getMessage()));
            return null;
        }
    }

    private String checksumProblem(ObjectStore store, Manifest m) throws IOException {
        requests++;
        try (DigestingInputStream in = new DigestingInputStream(store.get(m.dataKey()))) {
            in.drain();
            String actual = in.sha256Hex();
            return actual.equals(m.sha256()) ? null : "SHA-256 " + actual + ", recorded " + m.sha256() + " (backup " + m.id() + ")";
        } catch (NoSuchObjectException e) {
            return "missing (backup " + m.id() + ")";
        }
    }
}
