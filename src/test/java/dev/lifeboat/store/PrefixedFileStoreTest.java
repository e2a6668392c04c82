package dev.lifeboat.store;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The object-store contract on a database's view of a file destination. Its failures come from the store it wraps,
 * which names itself and the full key, prefix included.
 */
class PrefixedFileStoreTest extends ObjectStoreContract {
    @TempDir
    static Path root;
    static FileStore files;
    static FileStore unusableFiles;

    @BeforeAll
    static void open() throws IOException {
        files = new FileStore(root.resolve("replica"));
        unusableFiles = FileStoreTest.unusable(root.resolve("gone"));
    }

    @Override
    protected ObjectStore store() {
        return new PrefixedStore(files, "app");
    }

    @Override
    protected ObjectStore unusableStore() {
        return new PrefixedStore(unusableFiles, "app");
    }

    @Override
    protected String storeName() {
        return files.describe();
    }

    @Override
    protected String unusableStoreName() {
        return unusableFiles.describe();
    }
}
