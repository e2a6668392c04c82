package dev.lifeboat.alert;

import dev.lifeboat.alert.Notification.Kind;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Turns changes in a database's backup (or drill) state, seen at each evaluation, into job events for healthchecks sinks:
 * a run that started → {@code /start}, a newer success → success ping, a newer failure → {@code /fail}, paired by one
 * run id. The first look at a database only records a baseline (a restart sends nothing old). A run that starts and
 * ends between two looks gets its end ping alone. The backup code could call {@link JobEvents} itself instead; this
 * keeps the pings working without it.
 */
final class BackupJobBridge {
    /** What the bridge needs of one database's backup state. */
    record Observation(boolean running, Instant lastSuccessAt, Instant lastFailureAt, String lastFailure) {
    }

    /** One job event to send. */
    record JobEvent(Kind kind, String runId, String message) {
    }

    private record Seen(Observation observation, String runId) {
    }

    private final Map<String, Seen> seen = new HashMap<>();

    /** @param what the job's kind in messages: {@code backup}, {@code drill} */
    synchronized List<JobEvent> observe(String what, String database, Observation now) {
        Seen previous = seen.get(database);
        List<JobEvent> events = new ArrayList<>();
        if (previous == null) {
            seen.put(database, new Seen(now, now.running() ? UUID.randomUUID().toString() : null));
            return events;
        }
        Observation before = previous.observation();
        String runId = previous.runId();
        if (now.running() && !before.running()) {
            runId = UUID.randomUUID().toString();
            events.add(new JobEvent(Kind.JOB_STARTED, runId, null));
        }
        if (newer(now.lastSuccessAt(), before.lastSuccessAt())) {
            events.add(new JobEvent(Kind.JOB_SUCCEEDED, runId != null ? runId : UUID.randomUUID().toString(),
                    what + " of " + database + " succeeded at " + now.lastSuccessAt()));
            runId = now.running() ? UUID.randomUUID().toString() : null;
        } else if (newer(now.lastFailureAt(), before.lastFailureAt())) {
            events.add(new JobEvent(Kind.JOB_FAILED, runId != null ? runId : UUID.randomUUID().toString(),
                    what + " of " + database + " failed: " + now.lastFailure()));
            runId = now.running() ? UUID.randomUUID().toString() : null;
        }
        seen.put(database, new Seen(now, runId));
        return events;
    }

    private static boolean newer(Instant now, Instant before) {
        return now != null && (before == null || now.isAfter(before));
    }
}
