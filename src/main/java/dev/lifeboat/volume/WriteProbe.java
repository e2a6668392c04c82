package dev.lifeboat.volume;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;

/**
 * Proves a directory really takes writes: creates a small file, writes random bytes, fsyncs it, reads it back,
 * compares, deletes it and fsyncs the directory. A mounted but broken volume (I/O errors, full, read-only) fails
 * here even when mountinfo looks fine.
 *
 * <p>Blocking: a hung disk hangs the caller, so callers run it off any request thread.
 */
public final class WriteProbe {
    /** Prefix of probe files; a leftover from a killed process is removed by the next probe of the same directory. */
    static final String PREFIX = ".lifeboat-probe-";
    private static final int SIZE = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private WriteProbe() {
    }

    /** Runs the probe in {@code dir}; returns how long the file's fsync took. */
    public static Duration run(Path dir) throws IOException {
        removeLeftovers(dir);
        byte[] data = new byte[SIZE];
        RANDOM.nextBytes(data);
        Path file = dir.resolve(PREFIX + ProcessHandle.current().pid() + "-" + System.nanoTime());
        long fsyncNanos;
        try {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                long start = System.nanoTime();
                ch.force(true);
                fsyncNanos = System.nanoTime() - start;
            }
            byte[] back = Files.readAllBytes(file);
            if (!Arrays.equals(data, back)) {
                throw new IOException("read back " + back.length + " bytes that differ from the " + SIZE + " bytes written");
            }
        } finally {
            Files.deleteIfExists(file);
        }
        fsyncDirectory(dir);
        return Duration.ofNanos(fsyncNanos);
    }

    /** Deletes probe files of processes that no longer run (another live process may be probing right now). */
    private static void removeLeftovers(Path dir) {
        try (var stream = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path old : stream) {
                String rest = old.getFileName().toString().substring(PREFIX.length());
                int dash = rest.indexOf('-');
                try {
                    long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                    if (ProcessHandle.of(pid).isEmpty()) {
                        Files.deleteIfExists(old);
                    }
                } catch (NumberFormatException e) {
                    // not one of ours
                }
            }
        } catch (IOException e) {
            // the probe itself will report what is wrong with the directory
        }
    }

    /** Makes the deletion durable; Linux allows fsync on a directory opened read-only. */
    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
