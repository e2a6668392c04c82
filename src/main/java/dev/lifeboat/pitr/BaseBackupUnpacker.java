package dev.lifeboat.pitr;

import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.stream.DigestingInputStream;
import dev.lifeboat.stream.RestoreReader;
import dev.lifeboat.stream.TarReader;
import dev.lifeboat.stream.ZstdCli;
import dev.lifeboat.stream.age.AgeIdentity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Unpacks a base backup's tar object into an empty data directory: download → SHA-256 → age → decompression (the
 * zstd program when installed, as for base backups; else in Java) → tar → files (written, then all fsynced, several
 * at a time, then every directory). The object's checksum and size are verified against the manifest at the end of
 * the stream, before anything else (recovery settings, a server) touches the directory; on any failure the
 * directory is emptied again, and a failure that the stages hit before the end is re-checked against the checksum so
 * that damage is reported as such, naming the object.
 */
public final class BaseBackupUnpacker {
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final int SYNC_THREADS = 8;

    private BaseBackupUnpacker() {
    }

    /** The checksum of a base backup object does not match its manifest: the object is damaged. */
    public static final class DamagedException extends IOException {
        public DamagedException(String message) {
            super(message);
        }
    }

    /** An empty (or new) directory with mode 0700, as PostgreSQL wants its data directory. */
    public static void prepareTarget(Path dir) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new FileAlreadyExistsException(dir + " exists and is not a directory");
            }
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException(dir + " is not empty; a PITR restore unpacks into a new or empty directory (nothing is overwritten)");
                }
            }
        } else {
            Files.createDirectories(dir);
        }
        Files.setPosixFilePermissions(dir, DIR_MODE);
    }

    /** Unpacks every object of {@code backup} into {@code dir} (already prepared); returns the bytes written. */
    public static long unpack(ObjectStore store, BaseBackupManifest backup, List<AgeIdentity> identities, Path dir) throws IOException {
        long written = 0;
        try {
            for (BaseBackupManifest.StoredObject object : backup.objects()) {
                written += unpackOne(store, backup, object, identities, dir);
            }
            return written;
        } catch (IOException | RuntimeException e) {
            empty(dir);
            throw e;
        }
    }

    private static long unpackOne(ObjectStore store, BaseBackupManifest backup, BaseBackupManifest.StoredObject object,
                                  List<AgeIdentity> identities, Path dir) throws IOException {
        List<Path> directories = new ArrayList<>();
        directories.add(dir);
        List<Path> files = new ArrayList<>();
        long written = 0;
        Compression compression = Compression.named(backup.compression());
        Optional<Path> zstd = compression == Compression.ZSTD ? ZstdCli.installed() : Optional.empty();
        try (InputStream in = store.get(object.key());
             RestoreReader reader = RestoreReader.open(in, zstd.isPresent() ? Compression.NONE : compression, backup.encrypted(), identities)) {
            try (ZstdProgram program = zstd.isPresent() ? new ZstdProgram(zstd.get(), reader) : null) {
                TarReader tar = new TarReader(program != null ? program.output() : reader);
                for (var e = tar.next(); e.isPresent(); e = tar.next()) {
                    written += extract(tar, e.get(), dir, directories, files);
                }
                tar.drain();
                if (program != null) {
                    program.awaitSuccess();
                }
                reader.verify(object.sha256(), object.storedBytes());
            } catch (IOException | RuntimeException e) { // zstd's frame checksum fails as a RuntimeException
                String damage = damage(store, object);
                if (damage != null) {
                    throw new DamagedException(damage);
                }
                throw new IOException("unpacking " + store.describe(object.key()) + " failed: " + e.getMessage(), e);
            }
        }
        fsyncAll(files);
        fsyncAll(directories);
        return written;
    }

    /**
     * The zstd program decompressing what {@code source} yields (as base backups use it to compress: native speed,
     * and a stage of the pipeline on another core): a thread feeds its stdin, the caller reads its stdout.
     */
    private static final class ZstdProgram implements AutoCloseable {
        private final Process process;
        private final Thread feeder;
        private volatile IOException feedFailed;

        ZstdProgram(Path zstd, InputStream source) throws IOException {
            process = new ProcessBuilder(ZstdCli.decompressCommand(zstd)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            feeder = Thread.ofPlatform().daemon().name("unpack-zstd-feed").start(() -> {
                try (var stdin = process.getOutputStream()) {
                    source.transferTo(stdin);
                } catch (IOException e) {
                    feedFailed = e;
                }
            });
        }

        InputStream output() {
            return process.getInputStream();
        }

        /** After its output ended: the whole object was fed and the program says the frames were intact. */
        void awaitSuccess() throws IOException {
            try {
                feeder.join();
                if (feedFailed != null) {
                    throw feedFailed;
                }
                int exit = process.waitFor();
                if (exit != 0) {
                    throw new IOException("zstd -d exited with code " + exit + " (damaged frames)");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while unpacking");
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                feeder.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static long extract(TarReader tar, TarReader.Entry entry, Path dir, List<Path> directories, List<Path> files) throws IOException {
        Path target = dir.resolve(entry.name()).normalize();
        if (!target.startsWith(dir) || entry.name().startsWith("/")) {
            throw new IOException("tar entry '" + entry.name() + "' points outside the data directory; refused");
        }
        if (entry.isDirectory()) {
            if (!Files.isDirectory(target)) {
                Files.createDirectories(target);
            }
            Files.setPosixFilePermissions(target, DIR_MODE);
            directories.add(target);
            return 0;
        }
        Files.createDirectories(target.getParent());
        if (entry.isSymlink()) {
            Files.createSymbolicLink(target, Path.of(entry.linkName()));
            return 0;
        }
        if (!entry.isFile()) {
            throw new IOException("tar entry '" + entry.name() + "' has type '" + entry.type() + "', which a base backup never holds");
        }
        long n = 0;
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             InputStream content = tar.content()) {
            byte[] buffer = new byte[128 * 1024];
            int r;
            while ((r = content.read(buffer)) >= 0) {
                ByteBuffer b = ByteBuffer.wrap(buffer, 0, r);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                n += r;
            }
        }
        files.add(target);
        Files.setPosixFilePermissions(target, FILE_MODE);
        return n;
    }

    /** After a failure: the stored object's SHA-256 and size against the manifest; the mismatch, or null when intact. */
    static String damage(ObjectStore store, BaseBackupManifest.StoredObject object) {
        try (InputStream in = store.get(object.key()); DigestingInputStream d = new DigestingInputStream(in)) {
            d.drain();
            if (!d.sha256Hex().equalsIgnoreCase(object.sha256()) || d.count() != object.storedBytes()) {
                return "checksum mismatch in base backup object " + store.describe(object.key()) + ": it has SHA-256 " + d.sha256Hex()
                        + " and " + d.count() + " bytes, its manifest says " + object.sha256() + " and " + object.storedBytes()
                        + " bytes; the base backup is damaged and was not used";
            }
            return null;
        } catch (IOException e) {
            return "base backup object " + store.describe(object.key()) + " cannot be read: " + e.getMessage();
        }
    }

    /** Removes everything inside {@code dir} (not {@code dir} itself). */
    public static void empty(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort; the caller reports the original failure
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    /**
     * Fsyncs every path, {@value #SYNC_THREADS} at a time: the file system commits concurrent fsyncs together, so a
     * cluster's thousand small files take a few commits rather than a thousand in a row (the extraction itself writes
     * without waiting). Files first, then their directories, all before the directory is handed on.
     */
    private static void fsyncAll(List<Path> paths) throws IOException {
        try (ExecutorService pool = Executors.newFixedThreadPool(SYNC_THREADS, Thread.ofPlatform().daemon().name("unpack-fsync-", 0).factory())) {
            List<Future<?>> done = new ArrayList<>();
            for (Path p : paths) {
                done.add(pool.submit(() -> {
                    fsync(p);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while syncing the restored files");
        }
    }

    static void fsync(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
