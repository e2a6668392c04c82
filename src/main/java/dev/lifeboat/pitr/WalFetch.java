package dev.lifeboat.pitr;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
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
        install(target, out -> out.write(bytes.get()), null);
        return Outcome.RESTORED;
    }

    /** Writes a file's content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} whole or not at all: {@code content} into a temporary name beside it, fsync, handed to
     * {@code owner} when not null (the server's OS user must be able to read and move it), renamed over
     * {@code target}, and the directory fsynced.
     */
    public static void install(Path target, Content content, UserPrincipal owner) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".lifeboat-tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 128 * 1024);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            if (owner != null) {
                Files.setOwner(temp, owner);
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
    }
}
