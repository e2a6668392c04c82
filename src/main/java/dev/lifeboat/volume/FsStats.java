package dev.lifeboat.volume;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Size, free space and inodes of the filesystem holding a path (statvfs).
 *
 * <p>Bytes come from {@link FileStore} (pure Java). Java has no API for inode counts and its foreign-function API is
 * not final in Java 21, so inodes come from {@code stat --file-system} (coreutils and busybox both have it); where it
 * is missing the inode counts are unknown (-1) and the inode check is skipped, never failed. Native-image friendly:
 * no JNI, only a process start.
 *
 * @param totalBytes  size of the filesystem
 * @param freeBytes   bytes an unprivileged writer can still use ({@code f_bavail}: root-reserved blocks excluded)
 * @param totalInodes inodes of the filesystem, -1 when unknown, 0 for filesystems without a fixed count (btrfs)
 * @param freeInodes  free inodes, -1 when unknown
 */
public record FsStats(long totalBytes, long freeBytes, long totalInodes, long freeInodes) {
    private static final long STAT_TIMEOUT_SECONDS = 5;

    /** Reads the statistics of the filesystem that holds {@code path}. */
    public static FsStats of(Path path) throws IOException {
        FileStore store = Files.getFileStore(path);
        long total = store.getTotalSpace();
        long free = store.getUsableSpace();
        long[] inodes = inodes(path);
        return new FsStats(total, free, inodes[0], inodes[1]);
    }

    /** Bytes in use from an unprivileged writer's point of view. */
    public long usedBytes() {
        return totalBytes - freeBytes;
    }

    /** {@code {total, free}} inodes, or {@code {-1, -1}} when {@code stat} is unavailable or fails. */
    static long[] inodes(Path path) {
        try {
            Process p = new ProcessBuilder("stat", "--file-system", "--format=%c %d", path.toString())
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(STAT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new long[] {-1, -1};
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0) {
                return new long[] {-1, -1};
            }
            String[] f = out.split("\\s+");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new long[] {-1, -1};
        }
    }
}
