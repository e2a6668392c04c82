package dev.lifeboat.sqlite;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Lifeboat's local copy of the WAL frames it has taken from SQLite's WAL, one file per WAL index
 * ({@code <db dir>/.<db file>-lifeboat/generations/<generation>/wal/<index>.wal}, header then frames, only whole
 * committed transactions). Frames are copied here before SQLite may overwrite them (a checkpoint restarts the WAL),
 * and shipped to the store from here; a file is deleted once shipped and superseded by the next index. The current
 * generation's name is in {@code generation} next to {@code generations/}.
 */
final class ShadowWal {
    private final Path metaDir;

    ShadowWal(Path db) {
        this.metaDir = db.toAbsolutePath().resolveSibling("." + db.getFileName() + "-lifeboat");
    }

    Path metaDir() {
        return metaDir;
    }

    /** The generation recorded by the last run, or null. */
    String currentGeneration() throws IOException {
        Path f = metaDir.resolve("generation");
        if (!Files.exists(f)) {
            return null;
        }
        String g = Files.readString(f).trim();
        return g.matches("[0-9a-f]{16}") ? g : null;
    }

    /** Creates the shadow directory: only when replication starts (see {@link #createInside}). */
    void createRoot() throws IOException {
        Files.createDirectories(metaDir);
    }

    /**
     * Creates {@code dir} inside the shadow directory, which must still exist: when the volume under the database
     * has been unmounted (lazily: the database's connections still work), the shadow directory's path leads to the
     * machine's root filesystem, and a sync must not start a shadow WAL there in the seconds before the volume guard
     * notices.
     */
    private void createInside(Path dir) throws IOException {
        if (!Files.isDirectory(metaDir)) {
            throw new IOException("shadow WAL directory " + metaDir + " is gone (was the volume unmounted?); Lifeboat creates it again only "
                    + "when replication starts");
        }
        Files.createDirectories(dir);
    }

    /** Records {@code generation} as current (atomically) and removes every other generation's files. */
    void setGeneration(String generation) throws IOException {
        createInside(walDir(generation));
        Path tmp = metaDir.resolve("generation.tmp");
        Files.writeString(tmp, generation + "\n");
        SqliteFiles.moveIntoPlace(tmp, metaDir.resolve("generation"));
        try (Stream<Path> dirs = Files.list(metaDir.resolve("generations"))) {
            for (Path d : dirs.toList()) {
                if (!d.getFileName().toString().equals(generation)) {
                    deleteTree(d);
                }
            }
        }
    }

    Path walDir(String generation) {
        return metaDir.resolve("generations").resolve(generation).resolve("wal");
    }

    Path file(String generation, int index) {
        return walDir(generation).resolve(String.format("%08x.wal", index));
    }

    /** Indexes with a shadow file, ascending. */
    List<Integer> indexes(String generation) throws IOException {
        Path dir = walDir(generation);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (n.matches("[0-9a-f]{8}\\.wal")) {
                    out.add(Integer.parseUnsignedInt(n.substring(0, 8), 16));
                }
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /** Starts index {@code index}'s file with a WAL header. */
    void create(String generation, int index, Wal.Header header) throws IOException {
        Path f = file(generation, index);
        createInside(f.getParent());
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(header.bytes()));
            ch.force(true);
        }
        SqliteFiles.fsyncDir(f.getParent());
    }

    /** Appends whole committed transactions at {@code offset} (the file's current valid end), without fsync. */
    void append(String generation, int index, long offset, byte[] bytes, int len) throws IOException {
        try (FileChannel ch = FileChannel.open(file(generation, index), StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes, 0, len);
            long pos = offset;
            while (buf.hasRemaining()) {
                pos += ch.write(buf, pos);
            }
        }
    }

    long size(String generation, int index) throws IOException {
        Path f = file(generation, index);
        return Files.exists(f) ? Files.size(f) : -1;
    }

    byte[] read(String generation, int index, long offset, int len) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file(generation, index).toFile(), "r")) {
            byte[] b = new byte[len];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    void truncate(String generation, int index, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file(generation, index), StandardOpenOption.WRITE)) {
            ch.truncate(size);
            ch.force(true);
        }
    }

    void delete(String generation, int index) throws IOException {
        Files.deleteIfExists(file(generation, index));
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
