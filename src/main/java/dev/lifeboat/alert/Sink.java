package dev.lifeboat.alert;

import dev.lifeboat.Redaction;
import dev.lifeboat.config.AlertsConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One configured sink: where it sends, which notifications it takes and how it renders them. The URL, secret and
 * job URLs are secrets (a Slack URL is a credential): {@link #target()} and {@link #scrub} keep them out of text.
 */
public record Sink(String name, String type, String url, String secret, Severity minSeverity, List<String> rules,
                   Map<String, String> jobs) {
    /** PagerDuty's Events API v2 endpoint, used when a pagerduty sink gives no url. */
    public static final String PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

    public static Sink of(String name, AlertsConfig.SinkConfig c) {
        String url = c.url().orElse(c.type().equals("pagerduty") ? PAGERDUTY_EVENTS_URL : "");
        return new Sink(name, c.type(), url, c.secret().filter(s -> !s.isBlank()).orElse(null),
                Severity.parse(c.minSeverity()), c.rules().orElse(List.of()), Map.copyOf(c.jobs()));
    }

    /** Whether this sink takes this notification (severity and rule filters, job mapping). Tests bypass filters. */
    public boolean accepts(Notification n) {
        boolean healthchecks = type.equals("healthchecks");
        if (n.kind().isJob()) {
            return healthchecks && (jobs.isEmpty() || jobs.containsKey(n.job()));
        }
        if (n.kind() == Notification.Kind.TEST) {
            return true;
        }
        if (n.kind() == Notification.Kind.TEST_RESOLVED) {
            return type.equals("pagerduty") || type.equals("alertmanager");
        }
        return !healthchecks && n.severity().atLeast(minSeverity) && (rules.isEmpty() || rules.contains(n.rule()));
    }

    Optional<SinkRequest> render(Notification n, long epochSeconds) {
        SinkFormat format = switch (type) {
            case "webhook" -> new WebhookFormat();
            case "slack" -> new SlackFormat();
            case "discord" -> new DiscordFormat();
            case "pagerduty" -> new PagerDutyFormat();
            case "alertmanager" -> new AlertmanagerFormat();
            case "healthchecks" -> new HealthchecksFormat();
            default -> throw new IllegalStateException("unknown sink type " + type);
        };
        return format.render(this, n, epochSeconds);
    }

    /** Where it sends, safe to show: scheme, host and port only. */
    public String target() {
        return Redaction.originOnly(url);
    }

    /** Removes this sink's URL, URL path, secret and job URLs from a message (errors may quote what they failed on). */
    public String scrub(String text) {
        if (text == null) {
            return null;
        }
        List<String> secrets = new ArrayList<>();
        secrets.add(url);
        try {
            java.net.URI uri = java.net.URI.create(url);
            String path = uri.getRawPath();
            if (path != null && path.length() > 1) {
                secrets.add(path);
                // a receiver may echo one segment (the token) of the path back in its error text
                for (String segment : path.split("/")) {
                    if (segment.length() >= 6) {
                        secrets.add(segment);
                    }
                }
            }
            if (uri.getRawQuery() != null) {
                secrets.add(uri.getRawQuery());
            }
        } catch (IllegalArgumentException e) {
            // an unparsable URL is removed whole above
        }
        if (secret != null) {
            secrets.add(secret);
        }
        secrets.addAll(jobs.values());
        String out = text;
        secrets.sort(java.util.Comparator.comparingInt(String::length).reversed()); // longest first: whole URL before its parts
        for (String s : secrets) {
            if (s != null && s.length() >= 4) {
                out = out.replace(s, Redaction.MASK);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "Sink[" + name + ", " + type + ", " + target() + "]";
    }
}
