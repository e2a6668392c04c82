package dev.lifeboat.alert;

import dev.lifeboat.alert.AlertLifecycle.Event;
import dev.lifeboat.alert.AlertLifecycle.Event.Kind;
import dev.lifeboat.alert.AlertState.Status;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlertLifecycleTest {
    static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");
    final AlertLifecycle lifecycle = new AlertLifecycle(Duration.ofMinutes(2), Duration.ofMinutes(30), Duration.ofHours(24), Condition::severity);

    static Condition stale(boolean firing) {
        return new Condition("backup-stale", "app", Severity.CRITICAL, firing, firing ? "old" : "fresh", Map.of(), Map.of());
    }

    @Test
    void steadyFailureIsOneFiringPlusRepeatsThenOneResolved() {
        Map<String, AlertState> states = new TreeMap<>();
        List<Event> events = new ArrayList<>();
        Instant now = T0;
        for (int i = 0; i < 100; i++) { // one evaluation a minute for 100 minutes
            var step = lifecycle.step(states, List.of(stale(true)), true, now);
            states = step.states();
            events.addAll(step.events());
            now = now.plus(Duration.ofMinutes(1));
        }
        // pending 0..1 min, fires at minute 2, repeats at 32, 62, 92
        assertEquals(List.of(Kind.FIRING, Kind.REPEAT, Kind.REPEAT, Kind.REPEAT), events.stream().map(Event::kind).toList());
        assertEquals(T0.plus(Duration.ofMinutes(2)), events.getFirst().alert().firedAt());
        assertEquals(4, states.get("backup-stale/app").notifications());

        List<Event> after = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            var step = lifecycle.step(states, List.of(stale(false)), true, now);
            states = step.states();
            after.addAll(step.events());
            now = now.plus(Duration.ofMinutes(1));
        }
        assertEquals(1, after.size());
        assertEquals(Kind.RESOLVED, after.getFirst().kind());
        assertEquals("fresh", after.getFirst().alert().summary());
        assertEquals(Status.RESOLVED, states.get("backup-stale/app").status());
    }

    @Test
    void flapShorterThanForSendsNothing() {
        var s1 = lifecycle.step(Map.of(), List.of(stale(true)), true, T0);
        assertEquals(Status.PENDING, s1.states().get("backup-stale/app").status());
        var s2 = lifecycle.step(s1.states(), List.of(stale(false)), true, T0.plusSeconds(60));
        assertTrue(s1.events().isEmpty());
        assertTrue(s2.events().isEmpty());
        assertTrue(s2.states().isEmpty());
    }

    @Test
    void unreportedIsUnknownUntilItHasBeenGoneLongEnough() {
        AlertLifecycle immediate = new AlertLifecycle(Duration.ZERO, Duration.ofHours(4), Duration.ofHours(1), Condition::severity);
        var fired = immediate.step(Map.of(), List.of(stale(true)), true, T0);
        assertEquals(Kind.FIRING, fired.events().getFirst().kind());
        // after a restart the checks have not run yet: nothing is reported, nothing changes (no resolve/re-fire storm)
        var unknown = immediate.step(fired.states(), List.of(), true, T0.plusSeconds(30));
        assertTrue(unknown.events().isEmpty());
        assertEquals(Status.FIRING, unknown.states().get("backup-stale/app").status());
        var failedSource = immediate.step(unknown.states(), List.of(), false, T0.plus(AlertLifecycle.UNREPORTED_RESOLVES_AFTER));
        assertTrue(failedSource.events().isEmpty(), "a failing source resolves nothing");
        var gone = immediate.step(failedSource.states(), List.of(), true, T0.plus(AlertLifecycle.UNREPORTED_RESOLVES_AFTER));
        assertEquals(Kind.RESOLVED, gone.events().getFirst().kind(), "an alert nobody reports for 15 minutes resolves once");
        assertTrue(gone.events().getFirst().alert().summary().startsWith("no longer reported"));
        var pruned = immediate.step(gone.states(), List.of(), true, T0.plus(AlertLifecycle.UNREPORTED_RESOLVES_AFTER).plus(Duration.ofHours(1)));
        assertTrue(pruned.events().isEmpty());
        assertTrue(pruned.states().isEmpty(), "resolved alerts are listed for keep-resolved, then dropped");
    }

    @Test
    void firingWinsWhenTwoSourcesReportTheSameKeyAndRefiringStartsANewEpisode() {
        AlertLifecycle immediate = new AlertLifecycle(Duration.ZERO, Duration.ofHours(4), Duration.ofHours(24), Condition::severity);
        var s = immediate.step(Map.of(), List.of(stale(false), stale(true)), true, T0);
        assertEquals(Kind.FIRING, s.events().getFirst().kind());
        s = immediate.step(s.states(), List.of(stale(false)), true, T0.plusSeconds(60));
        assertEquals(Kind.RESOLVED, s.events().getFirst().kind());
        s = immediate.step(s.states(), List.of(stale(true)), true, T0.plusSeconds(120));
        assertEquals(Kind.FIRING, s.events().getFirst().kind());
        assertEquals(T0.plusSeconds(120), s.states().get("backup-stale/app").activeSince());
    }
}
