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

    @BeforeAll
    static void open() throws IOException {
        store = new FileStore(root.resolve("replica"));
    }

    @Override
    protected ObjectStore store() {
        return store;
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
