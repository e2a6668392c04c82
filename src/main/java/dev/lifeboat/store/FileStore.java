package dev.lifeboat.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory ({@code file://} destinations). Writes go to a temporary name in the
 * target directory, are fsynced, renamed into place, and the directory is fsynced, so a crash leaves either the
 * old state or the new one. Every failure names the store ({@link #describe()}), as {@link ObjectStore} requires:
 * the file system's own exceptions name only a path, often without saying what went wrong.
 */
public final class FileStore implements ObjectStore {
    /** Temporary files carry this prefix; they are invisible to {@link #list} and removed by {@link #abortIncompleteUploads}. */
    static final String TEMP_PREFIX = ".lifeboat-tmp-";
    /** The file locked around {@link #replaceIfMatch} (compare, then rename), at the root; never removed. */
    static final String CAS_LOCK = TEMP_PREFIX + "cas.lock";
    /**
     * The JVM's side of the same lock: the file lock excludes other processes only (two stores over one directory in
     * one JVM would get an OverlappingFileLockException), so threads of this JVM queue here first.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.locks.ReentrantLock> CAS_LOCKS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final Path root;
    /** Taken while the directory exists (its URI ends in '/'), so that messages name it the same way once it is gone. */
    private final String description;

    public FileStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(this.root);
        this.description = this.root.toUri().toString();
    }

    public Path root() {
        return root;
    }

    @Override
    public String describe() {
        return description;
    }

    private Path file(String key) throws IOException {
        if (key.isEmpty() || key.startsWith("/") || key.endsWith("/")) {
            throw new IOException("invalid object key '" + key + "'");
        }
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root) || p.getFileName().toString().startsWith(TEMP_PREFIX)) {
            throw new IOException("invalid object key '" + key + "'");
        }
        return p;
    }

    /**
     * {@code e} as the user should read it: what was being done, on which store, and the file system's reason.
     * A missing object already says where it was looked for.
     */
    private IOException failure(String action, IOException e) {
        if (e instanceof NoSuchObjectException) {
            return e;
        }
        return new IOException(action + " failed on " + describe() + ": " + reason(e), e);
    }

    private static String reason(IOException e) {
        if (!(e instanceof FileSystemException fs)) {
            return e.getMessage();
        }
        // Several of these exceptions carry only the path; their type is the reason.
        String why = fs.getReason() != null ? fs.getReason() : switch (fs) {
            case AccessDeniedException denied -> "permission denied";
            case NoSuchFileException missing -> "no such file or directory";
            case FileAlreadyExistsException exists -> "already exists";
            case NotDirectoryException notDir -> "not a directory";
            default -> fs.getClass().getSimpleName();
        };
        return fs.getFile() == null ? why : fs.getFile() + ": " + why;
    }

    @Override
    public Upload beginUpload(String key) throws IOException {
        try {
            Path target = file(key);
            Files.createDirectories(target.getParent());
            Path temp = target.resolveSibling(TEMP_PREFIX + UUID.randomUUID());
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new FileUpload(key, target, temp, channel);
        } catch (IOException e) {
            throw failure("start upload of " + key, e);
        }
    }

    @Override
    public boolean putIfAbsent(String key, byte[] content) throws IOException {
        try {
            return createIfAbsent(key, content);
        } catch (IOException e) {
            throw failure("conditional put of " + key, e);
        }
    }

    private boolean createIfAbsent(String key, byte[] content) throws IOException {
        Path target = file(key);
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling(TEMP_PREFIX + UUID.randomUUID());
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(content));
            channel.force(true);
        }
        try {
            // A hard link fails atomically when the target exists: exactly one concurrent creator wins.
            Files.createLink(target, temp);
            fsyncDirectory(target.getParent());
            return true;
        } catch (FileAlreadyExistsException e) {
            // Same contract as S3Store: exactly this content already there counts as this call's own creation.
            return java.util.Arrays.equals(Files.readAllBytes(target), content);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public Optional<Versioned> getVersioned(String key) throws IOException {
        try {
            byte[] content = Files.readAllBytes(file(key));
            return Optional.of(new Versioned(content, version(content)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("get " + key, e);
        }
    }

    /** Like S3's ETag of a single PUT: the hex MD5 of the content (an identity for comparison, not a checksum). */
    private static String version(byte[] content) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compare and rename while holding {@link #CAS_LOCK}, so that no other process or thread replaces in between. */
    @Override
    public Optional<String> replaceIfMatch(String key, String version, byte[] content) throws IOException {
        var jvmLock = CAS_LOCKS.computeIfAbsent(root, r -> new java.util.concurrent.locks.ReentrantLock());
        jvmLock.lock();
        try (FileChannel lockFile = FileChannel.open(root.resolve(CAS_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var held = lockFile.lock()) {
            Optional<Versioned> current = getVersioned(key);
            if (current.isEmpty() || !current.get().version().equals(version)) {
                return current.filter(v -> java.util.Arrays.equals(v.content(), content)).map(Versioned::version);
            }
            try (Upload upload = beginUpload(key)) {
                upload.write(content);
                upload.complete();
            }
            return Optional.of(version(content));
        } catch (IOException e) {
            throw failure("conditional replace of " + key, e);
        } finally {
            jvmLock.unlock();
        }
    }

    @Override
    public InputStream get(String key) throws IOException {
        try {
            return Files.newInputStream(file(key));
        } catch (NoSuchFileException e) {
            throw new NoSuchObjectException(describe(), key);
        } catch (IOException e) {
            throw failure("get " + key, e);
        }
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file(key), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchObjectException(describe(), key);
        } catch (IOException e) {
            throw failure("get " + key, e);
        }
        try {
            channel.position(offset);
        } catch (IOException e) {
            channel.close();
            throw failure("get " + key, e);
        }
        InputStream in = Channels.newInputStream(channel);
        return new BoundedInputStream(in, length);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file(key), BasicFileAttributes.class);
            return a.isRegularFile() ? Optional.of(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant())) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("stat " + key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    continue;
                }
                String key = root.relativize(p).toString().replace('\\', '/');
                if (!key.startsWith(prefix)) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        out.add(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
                    }
                } catch (NoSuchFileException raced) {
                    // deleted while listing: not part of the result
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw failure("list " + prefix, e);
        } catch (UncheckedIOException e) {
            throw failure("list " + prefix, e.getCause());
        }
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }

    @Override
    public void deleteAll(Collection<String> keys) throws IOException {
        for (String key : keys) {
            try {
                Path p = file(key);
                if (Files.deleteIfExists(p)) {
                    removeEmptyParents(p.getParent());
                }
            } catch (IOException e) {
                throw failure("delete " + key, e);
            }
        }
    }

    private void removeEmptyParents(Path dir) {
        while (dir != null && dir.startsWith(root) && !dir.equals(root)) {
            try {
                Files.delete(dir);
            } catch (IOException notEmptyOrGone) {
                return;
            }
            dir = dir.getParent();
        }
    }

    @Override
    public int abortIncompleteUploads(String prefix, long olderThanMillis) throws IOException {
        try {
            return removeTempFiles(prefix, Instant.now().minusMillis(olderThanMillis));
        } catch (IOException e) {
            throw failure("abort incomplete uploads under " + prefix, e);
        } catch (UncheckedIOException e) {
            throw failure("abort incomplete uploads under " + prefix, e.getCause());
        }
    }

    private int removeTempFiles(String prefix, Instant cutoff) throws IOException {
        int removed = 0;
        List<Path> temps;
        try (Stream<Path> walk = Files.walk(root)) {
            temps = walk.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)
                    && !p.getFileName().toString().equals(CAS_LOCK)).toList();
        }
        for (Path temp : temps) {
            String dirKey = root.relativize(temp.getParent()).toString();
            boolean underPrefix = (dirKey.isEmpty() ? "" : dirKey + "/").startsWith(prefix) || prefix.startsWith(dirKey.isEmpty() ? "" : dirKey + "/");
            try {
                if (underPrefix && Files.getLastModifiedTime(temp).toInstant().isBefore(cutoff) && Files.deleteIfExists(temp)) {
                    removed++;
                }
            } catch (NoSuchFileException raced) {
                // completed or aborted meanwhile
            }
        }
        return removed;
    }

    @Override
    public void checkReachable() throws IOException {
        if (!Files.isDirectory(root) || !Files.isWritable(root)) {
            throw new IOException(describe() + " is not a writable directory");
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Writes to the temp file; completion fsyncs, renames over the target and fsyncs the directory. */
    private final class FileUpload extends Upload {
        private final String key;
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final OutputStream out;
        private long size;
        private boolean finished;

        FileUpload(String key, Path target, Path temp, FileChannel channel) {
            this.key = key;
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.out = Channels.newOutputStream(channel);
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw failure("upload of " + key, e);
            }
            size++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw failure("upload of " + key, e);
            }
            size += len;
        }

        @Override
        public ObjectInfo complete() throws IOException {
            if (finished) {
                throw new IllegalStateException("upload of " + key + " already finished");
            }
            try {
                return moveIntoPlace();
            } catch (IOException e) {
                throw failure("complete upload of " + key, e);
            }
        }

        private ObjectInfo moveIntoPlace() throws IOException {
            channel.force(true);
            channel.close();
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename atomically into " + target, e);
            }
            fsyncDirectory(target.getParent());
            finished = true;
            return new ObjectInfo(key, size, Files.getLastModifiedTime(target).toInstant());
        }

        @Override
        public void abort() {
            finished = true;
            try {
                channel.close();
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a leftover temp file is removed by abortIncompleteUploads
            }
        }

        @Override
        public void close() {
            if (!finished) {
                abort();
            }
        }
    }
}
