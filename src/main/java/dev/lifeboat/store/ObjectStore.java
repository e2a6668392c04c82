package dev.lifeboat.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A flat namespace of immutable objects addressed by '/'-separated keys, relative to the destination's prefix.
 * Implementations: {@link FileStore} ({@code file://}) and {@link S3Store} (S3 and S3-compatible stores). Both pass
 * the same contract suite ({@code ObjectStoreContract} in the tests).
 *
 * <p>Every method may throw {@link IOException} for an unreachable or failing store; the message names the store
 * (never its credentials) so that a log line says where to look.
 */
public interface ObjectStore extends AutoCloseable {

    /** Where this store is, for people and logs: {@code s3://bucket/prefix at https://endpoint} or {@code file:///dir}. No secrets. */
    String describe();

    /** Where the objects under {@code keyPrefix} are, in the same form as {@link #describe()}. */
    default String describe(String keyPrefix) {
        return describe() + keyPrefix;
    }

    /**
     * Starts writing {@code key} from a stream of unknown length. Nothing is visible under {@code key} until
     * {@link Upload#complete()} returns; closing the upload without completing it (an exception on the producer's
     * side, a failed write) aborts it and leaves neither the object nor a pending multipart upload behind.
     * Memory held is bounded by the part size, whatever the total length. An existing object is replaced on completion.
     */
    Upload beginUpload(String key) throws IOException;

    /**
     * Writes {@code key} from a producer. The producer's exception aborts the upload and is rethrown; nothing is
     * left behind.
     */
    default ObjectInfo put(String key, Producer producer) throws IOException {
        try (Upload upload = beginUpload(key)) {
            producer.writeTo(upload);
            return upload.complete();
        }
    }

    /** Writes small content in one request, replacing any existing object. */
    default ObjectInfo putBytes(String key, byte[] content) throws IOException {
        return put(key, out -> out.write(content));
    }

    /**
     * Creates {@code key} with {@code content} only if no object exists there (S3 {@code If-None-Match: *}); returns
     * false, changing nothing, when one already exists. Two concurrent callers with different content: exactly one
     * gets true. Finding exactly {@code content} already there counts as this call's own creation (an S3 request
     * retried after its first attempt created the object but the response was lost must not report failure), so
     * callers must make content unique to the writer (an id, a timestamp) when they use it as a lock.
     */
    boolean putIfAbsent(String key, byte[] content) throws IOException;

    /**
     * An object's bytes and its version: the token {@link #replaceIfMatch} compares (S3's ETag; {@link FileStore}'s
     * MD5 of the content, as S3 computes it for a single PUT). Two writes of identical bytes may share a version, so
     * callers that compare versions put something unique to each write in the content (a holder and a time).
     */
    record Versioned(byte[] content, String version) {
    }

    /** Reads a small object with its version, or empty when it does not exist. */
    Optional<Versioned> getVersioned(String key) throws IOException;

    /**
     * Replaces {@code key} with {@code content} only if its current version is {@code version} (S3 {@code If-Match});
     * returns the new version, or empty, changing nothing, when the object changed or is gone. Two callers naming the
     * same version: at most one succeeds. Finding exactly {@code content} there already counts as this call's own
     * replacement (a retried request whose first attempt succeeded), as for {@link #putIfAbsent}.
     */
    Optional<String> replaceIfMatch(String key, String version, byte[] content) throws IOException;

    /** Opens the whole object; {@link NoSuchObjectException} when it does not exist. */
    InputStream get(String key) throws IOException;

    /**
     * Opens {@code length} bytes starting at {@code offset} (fewer if the object ends first);
     * {@link NoSuchObjectException} when it does not exist.
     */
    InputStream getRange(String key, long offset, long length) throws IOException;

    /** Size and modification time of {@code key}, or empty when it does not exist. */
    Optional<ObjectInfo> stat(String key) throws IOException;

    /**
     * Every object whose key starts with {@code prefix}, in lexicographic key order, complete however many there are
     * (implementations page internally). Objects still being uploaded are not listed.
     */
    List<ObjectInfo> list(String prefix) throws IOException;

    /** Deletes the given keys; keys that do not exist are ignored. Large collections are batched internally. */
    void deleteAll(Collection<String> keys) throws IOException;

    /**
     * Removes leftovers of uploads under {@code prefix} that never completed (a killed process), started before
     * {@code olderThanMillis} milliseconds ago; returns how many were removed.
     */
    int abortIncompleteUploads(String prefix, long olderThanMillis) throws IOException;

    /** Proves the store answers and the bucket or directory exists; throws with a user-facing reason otherwise. */
    void checkReachable() throws IOException;

    @Override
    default void close() {
    }

    /** Writes an object's bytes; see {@link #put(String, Producer)}. */
    @FunctionalInterface
    interface Producer {
        void writeTo(java.io.OutputStream out) throws IOException;
    }
}
