package dev.lifeboat.alert;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * {@code healthchecks}: healthchecks.io pinging API, one check per job. A job's start pings {@code <check>/start},
 * success pings {@code <check>}, failure pings {@code <check>/fail}, each with {@code ?rid=<run id>} so the service
 * pairs start and end and measures the run; a test pings {@code <check>/log}. The body (kept under the service's
 * 100 kB logging limit) is the job's summary.
 * The check is {@code url} itself when the sink has no {@code jobs}, else the job's entry: a full URL, or a slug or
 * UUID appended to {@code url} (use the project's ping-key URL, {@code https://hc-ping.com/<ping-key>}, for slugs).
 */
final class HealthchecksFormat implements SinkFormat {
    static final int MAX_BODY = 10_000;

    @Override
    public Optional<SinkRequest> render(Sink sink, Notification n, long epochSeconds) {
        String suffix = switch (n.kind()) {
            case JOB_STARTED -> "/start";
            case JOB_FAILED -> "/fail";
            case JOB_SUCCEEDED -> "";
            case TEST -> "/log";
            default -> null;
        };
        String check = checkUrl(sink, n.job());
        if (suffix == null || check == null) {
            return Optional.empty();
        }
        String url = check + suffix + (n.runId() != null ? "?rid=" + URLEncoder.encode(n.runId(), StandardCharsets.UTF_8) : "");
        String body = n.summary() == null ? "" : Payloads.truncate(n.summary(), MAX_BODY);
        return Optional.of(new SinkRequest(URI.create(url), Map.of("Content-Type", "text/plain; charset=utf-8", "User-Agent", "lifeboat"),
                body.getBytes(StandardCharsets.UTF_8)));
    }

    /** The ping URL of {@code job}'s check, or null when this sink does not watch that job. */
    static String checkUrl(Sink sink, String job) {
        String base = trimSlash(sink.url());
        if (sink.jobs().isEmpty()) {
            return base;
        }
        String check = job == null ? null : sink.jobs().get(job);
        if (check == null) {
            return null;
        }
        return check.contains("://") ? trimSlash(check) : base + "/" + check;
    }

    private static String trimSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
