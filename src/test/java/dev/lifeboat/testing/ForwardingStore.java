package dev.lifeboat.testing;

import dev.lifeboat.store.ObjectInfo;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.Upload;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** An ObjectStore that hands every call to another; fault-injecting test stores override only what they change. */
public abstract class ForwardingStore implements ObjectStore {
    protected final ObjectStore delegate;

    protected ForwardingStore(ObjectStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public String describe(String keyPrefix) {
        return delegate.describe(keyPrefix);
    }

    @Override
    public Upload beginUpload(String key) throws IOException {
        return delegate.beginUpload(key);
    }

    @Override
    public boolean putIfAbsent(String key, byte[] content) throws IOException {
        return delegate.putIfAbsent(key, content);
    }

    @Override
    public Optional<Versioned> getVersioned(String key) throws IOException {
        return delegate.getVersioned(key);
    }

    @Override
    public Optional<String> replaceIfMatch(String key, String version, byte[] content) throws IOException {
        return delegate.replaceIfMatch(key, version, content);
    }

    @Override
    public InputStream get(String key) throws IOException {
        return delegate.get(key);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
        return delegate.getRange(key, offset, length);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        return delegate.stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return delegate.list(prefix);
    }

    @Override
    public void deleteAll(Collection<String> keys) throws IOException {
        delegate.deleteAll(keys);
    }

    @Override
    public int abortIncompleteUploads(String prefix, long olderThanMillis) throws IOException {
        return delegate.abortIncompleteUploads(prefix, olderThanMillis);
    }

    @Override
    public void checkReachable() throws IOException {
        delegate.checkReachable();
    }
}
