package dev.lifeboat.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A running pg_dump or pg_restore: its data pipe for the caller, its stderr collected (the tail, bounded) to
 * become the failure reason with secrets redacted, and a watchdog that kills it at the deadline.
 */
final class ToolProcess implements AutoCloseable {
    private static final int STDERR_KEPT = 8 * 1024;

    private final String name;
    private final Process process;
    private final PgUrl url;
    private final StringBuilder stderr = new StringBuilder();
    private final Thread stderrReader;
    private final Thread watchdog;
    private volatile boolean timedOut;
    private final Duration timeout;

    private ToolProcess(String name, Process process, PgUrl url, Duration timeout) {
        this.name = name;
        this.process = process;
        this.url = url;
        this.timeout = timeout;
        this.stderrReader = Thread.ofVirtual().name(name + "-stderr").start(this::collectStderr);
        this.watchdog = Thread.ofVirtual().name(name + "-watchdog").start(() -> {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    timedOut = true;
                    process.destroyForcibly();
                }
            } catch (InterruptedException cancelled) {
                // the caller finished first
            }
        });
    }

    /** Starts {@code command}; the URL's password goes in the environment, never on the command line. */
    static ToolProcess start(String name, List<String> command, PgUrl url, Duration timeout) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.putAll(url.libpqEnvironment());
        env.put("PGAPPNAME", "lifeboat-" + name);
        env.put("LC_MESSAGES", "C");
        return new ToolProcess(name, pb.start(), url, timeout);
    }

    private void collectStderr() {
        try (InputStream err = process.getErrorStream()) {
            byte[] buffer = new byte[4096];
            int n;
            while ((n = err.read(buffer)) >= 0) {
                synchronized (stderr) {
                    stderr.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    if (stderr.length() > STDERR_KEPT * 2) {
                        stderr.delete(0, stderr.length() - STDERR_KEPT);
                    }
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    InputStream stdout() {
        return process.getInputStream();
    }

    OutputStream stdin() {
        return process.getOutputStream();
    }

    long pid() {
        return process.pid();
    }

    /**
     * Waits for the exit and returns normally only on success; otherwise the IOException says what the tool said
     * (redacted), or that it timed out.
     */
    void awaitSuccess() throws IOException {
        int code;
        try {
            code = process.waitFor();
            stderrReader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException(name + " interrupted");
        }
        if (timedOut) {
            throw new IOException(name + " killed after the timeout of " + timeout + reason());
        }
        if (code != 0) {
            throw new IOException(name + " exited with code " + code + reason());
        }
    }

    /** What the tool printed on stderr, redacted, as ": ..." or empty. */
    String reason() {
        String text;
        synchronized (stderr) {
            text = stderr.toString().strip();
        }
        if (text.length() > STDERR_KEPT) {
            text = "..." + text.substring(text.length() - STDERR_KEPT);
        }
        return text.isEmpty() ? "" : ": " + url.redact(text);
    }

    /** Kills the process if it still runs (on every failure path: a blocked pg_dump must not linger). */
    @Override
    public void close() {
        watchdog.interrupt();
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
