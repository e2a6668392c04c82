package dev.lifeboat.pitr;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A timeline history file ({@code 00000003.history}): one line per ancestor timeline, {@code <tli> <switch point>
 * <reason>}, the switch point being where that timeline ended and its child began.
 */
record TimelineHistory(int timeline, List<Entry> entries) {
    record Entry(int timeline, Lsn switchPoint) {
    }

    static TimelineHistory parse(int timeline, byte[] content) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (String line : new String(content, StandardCharsets.UTF_8).split("\n")) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] f = t.split("\\s+");
            try {
                entries.add(new Entry(Integer.parseInt(f[0]), Lsn.parse(f[1])));
            } catch (RuntimeException e) {
                throw new IOException("unreadable line in the history of timeline " + timeline + ": '" + t + "'");
            }
        }
        return new TimelineHistory(timeline, entries);
    }

    /** Where {@code ancestor} ended, or null when it is this history's own timeline (or not in it). */
    Lsn switchPointOrNull(int ancestor) {
        return entries.stream().filter(e -> e.timeline() == ancestor).map(Entry::switchPoint).findFirst().orElse(null);
    }

    Lsn switchPoint(int ancestor) throws IOException {
        Lsn p = switchPointOrNull(ancestor);
        if (p == null) {
            throw new IOException("timeline " + ancestor + " is not an ancestor of the server's timeline " + timeline
                    + ": the archive and the server have different histories");
        }
        return p;
    }

    /** The timeline that followed {@code ancestor}. */
    int next(int ancestor) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).timeline() == ancestor) {
                return i + 1 < entries.size() ? entries.get(i + 1).timeline() : timeline;
            }
        }
        return timeline;
    }
}
