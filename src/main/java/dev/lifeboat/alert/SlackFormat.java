package dev.lifeboat.alert;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/** {@code slack}: an incoming-webhook message, {@code {"text": "…"}} in Slack's mrkdwn. */
final class SlackFormat implements SinkFormat {
    @Override
    public Optional<SinkRequest> render(Sink sink, Notification n, long epochSeconds) {
        String icon = n.kind().resolved() ? ":large_green_circle:" : n.kind().isTest() ? ":white_circle:" : ":red_circle:";
        StringBuilder text = new StringBuilder(icon).append(" *").append(escape(Payloads.title(n))).append("*\n")
                .append(escape(n.summary()));
        String labels = Payloads.labelLine(n);
        if (!labels.isEmpty()) {
            text.append("\n_").append(escape(labels)).append("_");
        }
        return Optional.of(new SinkRequest(URI.create(sink.url()), Payloads.jsonHeaders(), Payloads.json(Map.of("text", text.toString()))));
    }

    /** Slack's three control characters; everything else is literal. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
