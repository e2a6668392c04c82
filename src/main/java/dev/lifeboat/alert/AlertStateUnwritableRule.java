package dev.lifeboat.alert;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code alert-state-unwritable}: the alert state ({@code alerts.json}) or the outbox cannot be written (a full or
 * read-only volume). Alerts still go out from memory, but a restart now would forget them; one alert, not a log
 * line a second. The subject is the state directory.
 */
public final class AlertStateUnwritableRule {
    public static final String ID = "alert-state-unwritable";
    public static final Severity SEVERITY = Severity.WARNING;

    private AlertStateUnwritableRule() {
    }

    /**
     * @param error why the last write failed (names the path; no secrets), null while every write succeeds
     * @param since when writes started failing, null while they succeed
     */
    public static Condition evaluate(String stateDir, String error, Instant since) {
        boolean firing = error != null;
        Map<String, String> values = new LinkedHashMap<>();
        if (firing) {
            values.put("error", error);
            values.put("since", String.valueOf(since));
        }
        String summary = firing ? "alert state in " + stateDir + " cannot be written (" + error + "); alerts are evaluated and delivered"
                + " from memory, but a restart now would lose undelivered notifications and alert state; free space on that volume"
                : "alert state in " + stateDir + " is written";
        return new Condition(ID, stateDir, SEVERITY, firing, summary, Map.of("stateDir", stateDir), values);
    }
}
