package dev.lifeboat.api;

import dev.lifeboat.http.Problem;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;

/**
 * The paging conventions of the list endpoints: {@code limit} (a count within bounds, else {@code 400}) and an opaque
 * {@code cursor} that names the last item of the previous page by its sort key (time, id), so pages stay stable while
 * new items arrive at the front. Clients pass back the {@code nextCursor} they were given and never parse it.
 */
final class Paging {
    private Paging() {
    }

    /** The {@code limit} parameter: {@code fallback} when absent, a {@code 400} problem when not within 1..{@code max}. */
    static int limit(String raw, int fallback, int max) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int limit = Integer.parseInt(raw.trim());
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problem.badParameter("limit must be a whole number from 1 to " + max + ", got '" + shorten(raw) + "'").exception();
    }

    /** Where a page ends: the sort key of its last item. */
    record Cursor(Instant time, String id) {
        String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((time + "|" + id).getBytes(StandardCharsets.UTF_8));
        }

        /** The {@code cursor} parameter; null when absent, a {@code 400} problem when it is not one this API gave out. */
        static Cursor decode(String raw) {
            if (raw == null || raw.isBlank()) {
                return null;
            }
            try {
                String text = new String(Base64.getUrlDecoder().decode(raw.trim()), StandardCharsets.UTF_8);
                int bar = text.indexOf('|');
                if (bar > 0 && bar < text.length() - 1) {
                    return new Cursor(Instant.parse(text.substring(0, bar)), text.substring(bar + 1));
                }
            } catch (IllegalArgumentException | DateTimeParseException e) {
                // answered below
            }
            throw Problem.badParameter("cursor '" + shorten(raw) + "' is not a cursor this API gave out; pass back nextCursor from the previous page, or leave it out for the first").exception();
        }
    }

    private static String shorten(String raw) {
        return raw.length() > 40 ? raw.substring(0, 40) + "..." : raw;
    }
}
