package dev.lifeboat.pitr;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * PostgreSQL's {@code restore_command} side of the archive: the verified bytes of a WAL file written to the path the
 * server asked for, through a temporary name, fsync and rename, so the server never sees a half-written file.
 */
public final class WalFetch {
    private WalFetch() {
    }

    /** What happened to one request. */
    public enum Outcome { RESTORED, ABSENT }

    /**
     * Writes the file {@code fileName} (a segment, complete or else the newest partial, or a history file) to
     * {@code target}; {@link Outcome#ABSENT} when the archive has none (recovery then ends there). A damaged object
     * throws {@link WalChecksumException} before anything is written.
     */
    public static Outcome fetch(WalArchive archive, String fileName, Path target) throws IOException {
        Optional<byte[]> bytes = archive.fetch(fileName);
        if (bytes.isEmpty()) {
            return Outcome.ABSENT;
        }
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".lifeboat-tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes.get());
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot open a directory; the rename is still atomic there
        }
        return Outcome.RESTORED;
    }
}
