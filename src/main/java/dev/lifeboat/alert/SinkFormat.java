package dev.lifeboat.alert;

import java.util.Optional;

/** Renders notifications into one receiver's exact request shape. Pure: no I/O, the time comes in. */
interface SinkFormat {
    /** The request, or empty when this sink has nothing to send for this notification. */
    Optional<SinkRequest> render(Sink sink, Notification n, long epochSeconds);
}
