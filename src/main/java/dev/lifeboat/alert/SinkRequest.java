package dev.lifeboat.alert;

import java.net.URI;
import java.util.Map;

/** One HTTP request a sink makes for one notification: what {@link SinkFormat}s produce and the deliverer sends. */
public record SinkRequest(URI uri, Map<String, String> headers, byte[] body) {
}
