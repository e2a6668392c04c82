package dev.lifeboat.volume;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real tmpfs mounts for tests (needs root). Every mount made here is remembered and removed by {@link #close()},
 * which tests call from {@code finally}/{@code @AfterAll}. Public for the tests of other packages that need a real
 * volume (the alert state on a full disk).
 */
public final class Mounts implements AutoCloseable {
    private final List<Path> mounted = new ArrayList<>();

    /** Skips the calling test, with the reason, unless this process may mount filesystems. */
    public static void assumeCanMount() {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "volume mount tests need root (mount -t tmpfs); run them as root, as CI does");
        try {
            Path probe = Files.createTempDirectory("lifeboat-mount-probe");
            try {
                run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.toString());
                run("umount", probe.toString());
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException e) {
            assumeTrue(false, "this root cannot mount tmpfs here (" + e.getMessage() + "); volume mount tests skipped");
        }
    }

    /** Mounts a tmpfs with {@code options} ({@code size=16m}, {@code nr_inodes=64}) on {@code dir}. */
    public void tmpfs(Path dir, String options) throws IOException {
        Files.createDirectories(dir);
        run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString());
        mounted.add(dir);
    }

    /** Remounts {@code dir} read-only; a probe with a file open for writing at that moment makes it busy: tried again. */
    public void remountReadOnly(Path dir) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                run("mount", "-o", "remount,ro", dir.toString());
                return;
            } catch (IOException busy) {
                if (attempt == 20) {
                    throw busy;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        }
    }

    /** Unmounts {@code dir}; a probe holding a file open at that moment makes umount busy, then it is detached lazily. */
    public void umount(Path dir) throws IOException {
        try {
            run("umount", dir.toString());
        } catch (IOException busy) {
            run("umount", "-l", dir.toString());
        }
        mounted.remove(dir);
    }

    @Override
    public void close() {
        for (Path dir : List.copyOf(mounted).reversed()) {
            try {
                umount(dir);
            } catch (IOException e) {
                System.err.println("could not unmount " + dir + ": " + e.getMessage());
            }
        }
    }

    static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out.trim());
        }
        return out;
    }
}
