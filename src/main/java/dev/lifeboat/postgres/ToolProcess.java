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
 * become the failure reason with secrets redacted, and a watchdog that kills it at the deadline. It may be joined
 * to a filter (the zstd program) by a kernel pipe: after pg_dump (the caller reads the filter's stdout) or before
 * pg_restore (the caller writes the filter's stdin), so that raw dump bytes never pass through the JVM.
 */
public final class ToolProcess implements AutoCloseable {
    private static final int STDERR_KEPT = 8 * 1024;

    private final String name;
    private final Process process;
    private final Process filter;
    private final boolean filterFirst;
    private final PgUrl url;
    private final StringBuilder stderr = new StringBuilder();
    private final StringBuilder filterStderr = new StringBuilder();
    private final Thread stderrReader;
    private final Thread filterStderrReader;
    private final Thread watchdog;
    private volatile boolean timedOut;
    private final Duration timeout;

    private ToolProcess(String name, Process process, Process filter, boolean filterFirst, PgUrl url, Duration timeout) {
        this.name = name;
        this.process = process;
        this.filter = filter;
        this.filterFirst = filterFirst;
        this.url = url;
        this.timeout = timeout;
        this.stderrReader = Thread.ofVirtual().name(name + "-stderr").start(() -> collectStderr(process, stderr));
        this.filterStderrReader = filter == null ? null
                : Thread.ofVirtual().name(name + "-filter-stderr").start(() -> collectStderr(filter, filterStderr));
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
    public static ToolProcess start(String name, List<String> command, PgUrl url, Duration timeout) throws IOException {
        return new ToolProcess(name, builder(name, command, url).start(), null, false, url, timeout);
    }

    /** Like {@link #start}, with the tool's stdout piped into {@code filterCommand}, whose stdout the caller reads. */
    public static ToolProcess startFiltered(String name, List<String> command, List<String> filterCommand, PgUrl url, Duration timeout)
            throws IOException {
        List<Process> pipeline = ProcessBuilder.startPipeline(List.of(builder(name, command, url), new ProcessBuilder(filterCommand)));
        return new ToolProcess(name, pipeline.get(0), pipeline.get(1), false, url, timeout);
    }

    /** Like {@link #start}, with {@code filterCommand}'s stdout piped into the tool; the caller writes the filter's stdin. */
    public static ToolProcess startBehindFilter(String name, List<String> filterCommand, List<String> command, PgUrl url, Duration timeout)
            throws IOException {
        List<Process> pipeline = ProcessBuilder.startPipeline(List.of(new ProcessBuilder(filterCommand), builder(name, command, url)));
        return new ToolProcess(name, pipeline.get(1), pipeline.get(0), true, url, timeout);
    }

    private static ProcessBuilder builder(String name, List<String> command, PgUrl url) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.putAll(url.libpqEnvironment());
        env.put("PGAPPNAME", "lifeboat-" + name);
        env.put("LC_MESSAGES", "C");
        return pb;
    }

    private static void collectStderr(Process process, StringBuilder stderr) {
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

    /** Where the pipeline's output comes out: the tool's stdout, or the filter's after it. */
    public InputStream stdout() {
        return (filter != null && !filterFirst ? filter : process).getInputStream();
    }

    /** Where the pipeline's input goes in: the tool's stdin, or the filter's before it. */
    public OutputStream stdin() {
        return (filterFirst ? filter : process).getOutputStream();
    }

    public long pid() {
        return process.pid();
    }

    /**
     * Waits for the exit and returns normally only on success; otherwise the IOException says what the tool said
     * (redacted), or that it timed out.
     */
    public void awaitSuccess() throws IOException {
        int code;
        int filterCode = 0;
        try {
            code = process.waitFor();
            stderrReader.join(Duration.ofSeconds(5));
            if (filter != null) {
                filterCode = filter.waitFor();
                filterStderrReader.join(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException(name + " interrupted");
        }
        if (timedOut) {
            throw new IOException(name + " killed after the timeout of " + timeout + reason());
        }
        IOException toolFailed = code == 0 ? null : new IOException(name + " exited with code " + code + reason());
        IOException filterFailed = filterCode == 0 ? null
                : new IOException(filter.info().command().orElse("filter") + " exited with code " + filterCode + ": " + filterStderr());
        // The downstream process's failure is the cause: the upstream one then only met a broken pipe.
        IOException cause = filterFirst ? (toolFailed != null ? toolFailed : filterFailed) : (filterFailed != null ? filterFailed : toolFailed);
        if (cause != null) {
            throw cause;
        }
    }

    /** What the tool printed on stderr, redacted, as ": ..." or empty. */
    public String reason() {
        String text;
        synchronized (stderr) {
            text = stderr.toString().strip();
        }
        if (text.length() > STDERR_KEPT) {
            text = "..." + text.substring(text.length() - STDERR_KEPT);
        }
        return text.isEmpty() ? "" : ": " + url.redact(text);
    }

    /** The tail of what the filter printed on stderr; empty without a filter. */
    public String filterStderr() {
        synchronized (filterStderr) {
            return filterStderr.toString().strip();
        }
    }

    /** Kills the processes still running (on every failure path: a blocked pg_dump must not linger). */
    @Override
    public void close() {
        watchdog.interrupt();
        kill(process);
        if (filter != null) {
            kill(filter);
        }
    }

    private static void kill(Process p) {
        if (p.isAlive()) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
