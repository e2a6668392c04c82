package dev.lifeboat.drill;

import dev.lifeboat.config.InvalidConfigException;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code expect:} language of user checks and the drill section's validation messages. */
class ExpectationTest {
    static final Instant BACKUP = Instant.parse("2026-11-23T12:00:00Z");
    static final Instant NOW = Instant.parse("2026-11-23T13:00:00Z");

    static boolean holds(String expect, Object value) {
        return Expectation.parse(expect).test(value, BACKUP, NOW);
    }

    @Test
    void comparisons() {
        assertTrue(holds(">= 1", 1L));
        assertFalse(holds(">= 1", 0));
        assertTrue(holds("== 0", new BigDecimal("0.00")));
        assertTrue(holds("= 0", "0"));
        assertTrue(holds("!= 3", 4));
        assertTrue(holds("< 10", 9.5));
        assertFalse(holds("> 0", null));
        assertFalse(holds(">= 1", "not a number"));
        assertTrue(holds("== 'ok'", "ok"));
        assertTrue(holds("!= \"ok\"", "bad"));
        assertTrue(holds("not null", 0));
        assertTrue(holds("null", null));
    }

    @Test
    void freshness() {
        assertTrue(holds("newer than backup - 1d", Timestamp.from(BACKUP.minusSeconds(3600))));
        assertFalse(holds("newer than backup - 1d", Timestamp.from(BACKUP.minusSeconds(2 * 86400))));
        assertTrue(holds("newer than backup - 1d", "2026-11-23 01:00:00"));
        assertTrue(holds("newer than backup - 1d", "2026-11-23T01:00:00Z"));
        assertTrue(holds("newer than backup - 1d", BACKUP.getEpochSecond() - 60));
        assertFalse(holds("newer than now - 30m", Timestamp.from(BACKUP)));
        assertFalse(holds("newer than backup", null));
        assertEquals("newer than backup - PT24H", Expectation.parse("NEWER THAN backup - 1d").describe());
    }

    @Test
    void mistakesAreExplained() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Expectation.parse("about 3")).getMessage().contains("not an expectation"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Expectation.parse(">= lots")).getMessage().contains("not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Expectation.parse("newer than backup - soon")).getMessage().contains("not a duration"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Expectation.parse("> 'x'")).getMessage().contains("only be compared with == or !="));
    }

    @Test
    void drillSectionIsValidatedWithKeyPaths() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse("""
                destinations:
                  local: { url: 'file:///tmp/x' }
                databases:
                  app:
                    type: sqlite
                    path: /tmp/app.db
                    destination: local
                    drill:
                      backup: oldest
                      integrity: thorough
                      server-url: postgres://x@h/db
                      checks:
                        users: { query: 'select 1', expect: 'plenty' }
                """));
        String all = e.problems().toString();
        assertTrue(all.contains("databases.app.drill.backup: unknown choice 'oldest'"), all);
        assertTrue(all.contains("databases.app.drill.integrity: unknown integrity mode 'thorough'"), all);
        assertTrue(all.contains("databases.app.drill.server-url: server-url applies to postgres databases"), all);
        assertTrue(all.contains("databases.app.drill.checks.users.expect: 'plenty' is not an expectation"), all);
    }
}
