package dev.lifeboat.store;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The object-store contract on local files, plus what is specific to files. */
class FileStoreTest extends ObjectStoreContract {
    @TempDir
    static Path root;
    static FileStore store;
    static FileStore unusable;

    @BeforeAll
    static void open() throws IOException {
        store = new FileStore(root.resolve("replica"));
        unusable = unusable(root.resolve("gone"));
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Override
    protected ObjectStore unusableStore() {
        return unusable;
    }

    /**
     * Opens a store in {@code volume}, then turns the volume into a symbolic link to itself: no path under it resolves
     * (ELOOP), so every call fails, whoever runs the tests (root passes permission checks) and without passing for a
     * missing object (a path through a regular file reads as "no such file").
     */
    static FileStore unusable(Path volume) throws IOException {
        FileStore opened = new FileStore(volume.resolve("replica"));
        Files.delete(opened.root());
        Files.delete(volume);
        Files.createSymbolicLink(volume, volume);
        return opened;
    }

    @Test
    void keysCannotEscapeTheRoot() {
        assertThrows(IOException.class, () -> store.putBytes("../outside", new byte[] {1}));
        assertThrows(IOException.class, () -> store.putBytes("/etc/passwd", new byte[] {1}));
        assertTrue(Files.notExists(root.resolve("outside")));
    }

    @Test
    void completedUploadsLeaveNoTemporaryFiles() throws IOException {
        store.putBytes(p + "f", new byte[] {1, 2, 3});
        try (var files = Files.list(store.root().resolve(p))) {
            assertTrue(files.allMatch(f -> f.getFileName().toString().equals("f")));
        }
    }
}
