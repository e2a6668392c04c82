package dev.lifeboat.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A view of another store in which every key is under {@code prefix}; keys handed out are relative to it. A view made
 * with the constructor leaves the inner store open on close (its owner, e.g. {@link Destinations}, closes it); one made
 * by {@link #owning} closes it, so a store opened for one task does not outlive it (an S3 client left unclosed keeps
 * its threads for the life of the process).
 */
public final class PrefixedStore implements ObjectStore {
    private final ObjectStore inner;
    private final String prefix;
    private final boolean ownsInner;

    public PrefixedStore(ObjectStore inner, String prefix) {
        this(inner, prefix, false);
    }

    private PrefixedStore(ObjectStore inner, String prefix, boolean ownsInner) {
        this.inner = inner;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        this.ownsInner = ownsInner;
    }

    /** A view that owns {@code inner}: closing the view closes it. */
    public static PrefixedStore owning(ObjectStore inner, String prefix) {
        return new PrefixedStore(inner, prefix, true);
    }

    @Override
    public String describe() {
        return inner.describe(prefix);
    }

    @Override
    public String describe(String keyPrefix) {
        return inner.describe(prefix + keyPrefix);
    }

    @Override
    public Upload beginUpload(String key) throws IOException {
        return new RelativeUpload(inner.beginUpload(prefix + key));
    }

    @Override
    public boolean putIfAbsent(String key, byte[] content) throws IOException {
        return inner.putIfAbsent(prefix + key, content);
    }

    @Override
    public Optional<Versioned> getVersioned(String key) throws IOException {
        return inner.getVersioned(prefix + key);
    }

    @Override
    public Optional<String> replaceIfMatch(String key, String version, byte[] content) throws IOException {
        return inner.replaceIfMatch(prefix + key, version, content);
    }

    @Override
    public InputStream get(String key) throws IOException {
        return inner.get(prefix + key);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
        return inner.getRange(prefix + key, offset, length);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        return inner.stat(prefix + key).map(this::relative);
    }

    @Override
    public List<ObjectInfo> list(String keyPrefix) throws IOException {
        return inner.list(prefix + keyPrefix).stream().map(this::relative).toList();
    }

    @Override
    public void deleteAll(Collection<String> keys) throws IOException {
        inner.deleteAll(keys.stream().map(k -> prefix + k).toList());
    }

    @Override
    public int abortIncompleteUploads(String keyPrefix, long olderThanMillis) throws IOException {
        return inner.abortIncompleteUploads(prefix + keyPrefix, olderThanMillis);
    }

    @Override
    public void checkReachable() throws IOException {
        inner.checkReachable();
    }

    @Override
    public void close() {
        if (ownsInner) {
            inner.close();
        }
    }

    private ObjectInfo relative(ObjectInfo info) {
        return new ObjectInfo(info.key().substring(prefix.length()), info.size(), info.lastModified());
    }

    /** The inner store's upload, completing with the key the caller gave rather than the inner one. */
    private final class RelativeUpload extends Upload {
        private final Upload upload;

        RelativeUpload(Upload upload) {
            this.upload = upload;
        }

        @Override
        public void write(int b) throws IOException {
            upload.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            upload.write(b, off, len);
        }

        @Override
        public ObjectInfo complete() throws IOException {
            return relative(upload.complete());
        }

        @Override
        public void abort() {
            upload.abort();
        }

        @Override
        public void close() {
            upload.close();
        }
    }
}
