package dev.lifeboat.alert;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Helpers shared by the sink formats. */
final class Payloads {
    private Payloads() {
    }

    static byte[] json(Object tree) {
        try {
            return JsonFiles.MAPPER.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    static Map<String, String> jsonHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        h.put("User-Agent", "lifeboat");
        return h;
    }

    /** {@code FIRING}, {@code FIRING, repeat 3}, {@code RESOLVED}, {@code TEST}. */
    static String headline(Notification n) {
        return switch (n.kind()) {
            case FIRING -> n.repeat() ? "FIRING, reminder" : "FIRING";
            case RESOLVED -> "RESOLVED";
            case TEST -> "TEST";
            case TEST_RESOLVED -> "TEST RESOLVED";
            default -> n.kind().name();
        };
    }

    /** Title line: {@code [FIRING] backup-stale: app (critical)}. */
    static String title(Notification n) {
        if (n.kind().isTest()) {
            return "[" + headline(n) + "] Lifeboat test notification";
        }
        return "[" + headline(n) + "] " + n.rule() + ": " + n.subject() + " (" + n.severity().id() + ")";
    }

    /** {@code app=x, region=ams}: labels sorted, for chat messages. */
    static String labelLine(Notification n) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(n.labels()).forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append('=').append(v));
        return sb.toString();
    }

    static String iso(Instant t) {
        return t == null ? null : t.toString();
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
