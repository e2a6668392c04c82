package dev.lifeboat.alert;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code discord}: an execute-webhook message, {@code {"username":"Lifeboat","content":"…","allowed_mentions":{"parse":[]}}}.
 * Content is cut at Discord's 2000 characters; mentions are disabled so a summary can never ping {@code @everyone}.
 */
final class DiscordFormat implements SinkFormat {
    static final int MAX_CONTENT = 2000;

    @Override
    public Optional<SinkRequest> render(Sink sink, Notification n, long epochSeconds) {
        StringBuilder content = new StringBuilder("**").append(Payloads.title(n)).append("**\n").append(n.summary());
        String labels = Payloads.labelLine(n);
        if (!labels.isEmpty()) {
            content.append("\n").append(labels);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("username", "Lifeboat");
        body.put("content", Payloads.truncate(content.toString(), MAX_CONTENT));
        body.put("allowed_mentions", Map.of("parse", List.of()));
        return Optional.of(new SinkRequest(URI.create(sink.url()), Payloads.jsonHeaders(), Payloads.json(body)));
    }
}
