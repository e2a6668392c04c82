package dev.lifeboat.pitr;

import dev.lifeboat.store.NoSuchObjectException;
import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.stream.BackupWriter;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.stream.DigestingInputStream;
import dev.lifeboat.stream.RestoreReader;
import dev.lifeboat.stream.Sha256;
import dev.lifeboat.stream.age.AgeIdentity;
import dev.lifeboat.stream.age.AgeRecipient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The WAL archive of one database in its destination ({@link PitrLayout}): listing, choosing the object that serves a
 * file name, fetching it with its checksum verified before a byte is decoded, and encoding new objects. Used by the
 * archiver, {@code lifeboat wal-fetch} (PostgreSQL's {@code restore_command}), PITR restores and drills.
 */
public final class WalArchive {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(WalArchive.class);
    /** Largest stored WAL object read into memory (a 1 GiB segment, incompressible, plus age overhead). */
    private static final long MAX_OBJECT = (1L << 30) + (1 << 20);

    private final ObjectStore store;
    private final List<AgeIdentity> identities;

    /**
     * @param store      the database's folder of its destination ({@code Destinations.forDatabase})
     * @param identities age identities to decrypt encrypted objects with (may be empty when none are)
     */
    public WalArchive(ObjectStore store, List<AgeIdentity> identities) {
        this.store = store;
        this.identities = identities;
    }

    public ObjectStore store() {
        return store;
    }

    /** Every WAL object of every timeline, in key order. */
    public List<WalObject> list() throws IOException {
        return parse(store.list(PitrLayout.WAL));
    }

    /** The WAL objects of one timeline, in key order (segments by number; partials after their complete segment). */
    public List<WalObject> list(int timeline) throws IOException {
        return parse(store.list(PitrLayout.timelinePrefix(timeline)));
    }

    private static List<WalObject> parse(List<ObjectInfo> infos) {
        List<WalObject> out = new ArrayList<>();
        for (ObjectInfo info : infos) {
            WalObject o = PitrLayout.walObject(info);
            if (o != null) {
                out.add(o);
            }
        }
        return out;
    }

    /**
     * The object that serves {@code fileName} (a 24-hex segment or {@code TTTTTTTT.history}): a complete object
     * (the oldest if there are several), else, for a segment, the partial holding the most bytes; empty when none.
     */
    public Optional<WalObject> find(String fileName) throws IOException {
        if (!WalFileName.isSegment(fileName) && !WalFileName.isHistory(fileName)) {
            throw new IllegalArgumentException("'" + fileName + "' is not a WAL segment or timeline history file name");
        }
        return choose(parse(store.list(PitrLayout.walFilePrefix(fileName))).stream().filter(o -> o.fileName().equals(fileName)).toList());
    }

    /**
     * Of the objects of one file name, the one that serves it ({@link PitrLayout}): the oldest complete object (ties by
     * key, so every reader picks the same one when a conflict left two), else the partial holding the most bytes.
     */
    static Optional<WalObject> choose(List<WalObject> sameName) {
        Optional<WalObject> complete = sameName.stream().filter(o -> !o.isPartial())
                .min(Comparator.comparing(WalObject::lastModified).thenComparing(WalObject::key));
        if (complete.isPresent()) {
            return complete;
        }
        return sameName.stream().filter(WalObject::isPartial).max(Comparator.comparingInt(WalObject::partialEnd));
    }

    /**
     * Two or more different complete objects of one WAL file name (their checksums differ): a second server, or a
     * restored copy of this one, archives into the same place. Both are kept; {@code used} is the one every reader
     * picks ({@link #choose}), the others are never read until a person deletes the wrong ones.
     */
    public record Conflict(String fileName, String used, List<String> others) {
        /** For status and the {@code pitr-archive-error} alert: names every object. */
        public String describe() {
            return "WAL file " + fileName + " has " + (others.size() + 1) + " different objects in the archive: " + used
                    + " (the oldest: restores, drills and wal-fetch use it) and " + String.join(", ", others)
                    + "; another server may archive into the same place; keep the objects of the right history and delete the others";
        }
    }

    /** The conflicts among {@code objects} (a listing), in file name order. */
    public static List<Conflict> conflicts(List<WalObject> objects) {
        java.util.TreeMap<String, List<WalObject>> complete = new java.util.TreeMap<>();
        for (WalObject o : objects) {
            if (!o.isPartial()) {
                complete.computeIfAbsent(o.fileName(), k -> new ArrayList<>()).add(o);
            }
        }
        List<Conflict> out = new ArrayList<>();
        complete.forEach((name, same) -> {
            if (same.size() > 1) {
                WalObject used = choose(same).orElseThrow();
                out.add(new Conflict(name, used.key(), same.stream().map(WalObject::key).filter(k -> !k.equals(used.key())).toList()));
            }
        });
        return out;
    }

    /**
     * Stores a complete segment or history file under {@code key} (its name carries the checksum, so a different
     * object of the same file name gets another key and is never overwritten: both are kept) and returns the conflict
     * this leaves, if any. An existing object under the same key with other bytes (damaged in the store) is an error.
     * The look for a conflict is a listing of the file's objects after the store; when that listing fails the object
     * is stored all the same (the archiver's next listing of the whole archive finds the conflict).
     */
    public Optional<Conflict> storeComplete(String fileName, String key, byte[] stored) throws IOException {
        put(key, stored);
        Optional<Conflict> conflict;
        try {
            List<WalObject> same = parse(store.list(PitrLayout.walFilePrefix(fileName))).stream().filter(o -> o.fileName().equals(fileName)).toList();
            conflict = conflicts(same).stream().findFirst();
        } catch (IOException listingFailed) {
            return Optional.empty();
        }
        conflict.ifPresent(c -> LOG.errorf("WAL archive in %s: %s", store.describe(), c.describe()));
        return conflict;
    }

    /** Stores a new object under {@code key} (conditional put: an existing object with other bytes is an error, never replaced). */
    public void put(String key, byte[] stored) throws IOException {
        if (!store.putIfAbsent(key, stored)) {
            throw new IOException("WAL object " + store.describe(key) + " already exists with other content; it was not replaced");
        }
    }

    /** The verified, decoded bytes of the object serving {@code fileName}; empty when the archive has none. */
    public Optional<byte[]> fetch(String fileName) throws IOException {
        return withCurrent(fileName, this::fetch);
    }

    /** Work on the object now serving a WAL file name. */
    public interface ObjectUse<T> {
        T apply(WalObject object) throws IOException;
    }

    /**
     * Applies {@code use} to the object serving {@code fileName} now; empty when the archive has none. A running
     * archiver deletes the partial of the segment in progress once a longer partial or the complete segment is
     * stored: when the chosen partial vanishes before {@code use} reads it, the choice is made again.
     */
    public <T> Optional<T> withCurrent(String fileName, ObjectUse<T> use) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Optional<WalObject> o = find(fileName);
            if (o.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(use.apply(o.get()));
            } catch (NoSuchObjectException superseded) {
                if (!o.get().isPartial() || attempt == 3) {
                    throw superseded;
                }
            }
        }
    }

    /**
     * Downloads {@code object} whole, checks the SHA-256 of the stored bytes against its name (a
     * {@link WalChecksumException} naming the object when they differ), and only then decodes it. A segment must
     * decode to a whole segment (a power of two between 1 MiB and 1 GiB).
     */
    public byte[] fetch(WalObject object) throws IOException {
        byte[] stored;
        try (InputStream in = store.get(object.key())) {
            stored = in.readNBytes((int) Math.min(MAX_OBJECT, Integer.MAX_VALUE - 16));
        }
        String actual = Sha256.hex(stored);
        if (!actual.equals(object.storedSha256())) {
            throw new WalChecksumException(object.key(), store.describe(object.key()), actual);
        }
        byte[] raw;
        try (RestoreReader reader = RestoreReader.open(new ByteArrayInputStream(stored), object.compression(), object.encrypted(), identities)) {
            raw = reader.readAllBytes();
        }
        if (!object.isHistory() && (Integer.bitCount(raw.length) != 1 || raw.length < (1 << 20))) {
            throw new IOException("WAL object " + store.describe(object.key()) + " decodes to " + raw.length
                    + " bytes, not a whole segment; it was not used");
        }
        return raw;
    }

    /**
     * {@link #fetch(WalObject)} without holding the object in memory, for the restore's prefetch ({@link WalSpool}):
     * the stored bytes are downloaded into {@code scratch} (created, then deleted) with their SHA-256 computed on the
     * way and checked against the name (a {@link WalChecksumException} naming the object when they differ); only then
     * are they decoded into {@code target}. Returns the decoded size, which for a segment must be a whole segment.
     */
    public long fetchTo(WalObject object, Path scratch, OutputStream target) throws IOException {
        try {
            String actual;
            long stored;
            try (InputStream in = store.get(object.key()); DigestingInputStream d = new DigestingInputStream(in);
                 OutputStream out = Files.newOutputStream(scratch, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                if (d.transferTo(out) > MAX_OBJECT) {
                    throw new IOException("WAL object " + store.describe(object.key()) + " is larger than any WAL file; it was not used");
                }
                actual = d.sha256Hex();
                stored = d.count();
            }
            if (!actual.equals(object.storedSha256())) {
                throw new WalChecksumException(object.key(), store.describe(object.key()), actual);
            }
            long raw = 0;
            try (InputStream in = Files.newInputStream(scratch);
                 RestoreReader reader = RestoreReader.open(in, object.compression(), object.encrypted(), identities)) {
                byte[] buffer = new byte[128 * 1024];
                for (int n; (n = reader.read(buffer)) >= 0; raw += n) {
                    if (raw + n > MAX_OBJECT) {
                        throw new IOException("WAL object " + store.describe(object.key()) + " decodes to more than any WAL file; it was not used");
                    }
                    target.write(buffer, 0, n);
                }
                reader.verify(actual, stored);
            }
            if (!object.isHistory() && (Long.bitCount(raw) != 1 || raw < (1 << 20))) {
                throw new IOException("WAL object " + store.describe(object.key()) + " decodes to " + raw
                        + " bytes, not a whole segment; it was not used");
            }
            return raw;
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    /**
     * Where the archive ends ({@link PitrLayout}, "Archived position").
     *
     * @param timeline     the newest timeline holding segments
     * @param durable      everything before this position is in the store
     * @param resumeFrom   where streaming resumes: {@code durable} after a complete segment, else the start of the
     *                     partial's segment (a segment is assembled whole again)
     * @param openPartials the partials of the segment {@code resumeFrom} starts, superseded once a longer one is stored
     */
    public record ArchivedEnd(int timeline, Lsn durable, Lsn resumeFrom, List<WalObject> openPartials) {
    }

    /** The end of the archive of segments of {@code segmentSize} bytes; empty when no segment is archived yet. */
    public Optional<ArchivedEnd> archivedEnd(long segmentSize) throws IOException {
        return archivedEnd(list(), segmentSize);
    }

    static Optional<ArchivedEnd> archivedEnd(List<WalObject> all, long segmentSize) {
        List<WalObject> segments = all.stream().filter(o -> !o.isHistory()).toList();
        if (segments.isEmpty()) {
            return Optional.empty();
        }
        int timeline = segments.stream().mapToInt(WalObject::timeline).max().getAsInt();
        WalObject newest = segments.stream().filter(o -> o.timeline() == timeline)
                .max(Comparator.comparing((WalObject o) -> o.end(segmentSize)).thenComparing(WalObject::isSegment)).get();
        Lsn durable = newest.end(segmentSize);
        if (newest.isSegment()) {
            return Optional.of(new ArchivedEnd(timeline, durable, durable, List.of()));
        }
        List<WalObject> open = segments.stream().filter(o -> o.isPartial() && o.fileName().equals(newest.fileName())).toList();
        return Optional.of(new ArchivedEnd(timeline, durable, WalFileName.segmentStart(newest.fileName(), segmentSize), open));
    }

    /** A WAL file encoded for the store: its stored bytes and their SHA-256, which goes into its key. */
    public record Encoded(byte[] stored, String sha256) {
    }

    /** Encodes {@code raw[0, length)} through the database's stages ({@link BackupWriter}). */
    public static Encoded encode(byte[] raw, int length, Compression compression, List<AgeRecipient> recipients) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream(Math.max(1024, length / 4));
        BackupWriter writer = BackupWriter.open(sink, compression, recipients);
        writer.write(raw, 0, length);
        writer.close();
        return new Encoded(sink.toByteArray(), writer.storedSha256());
    }
}
