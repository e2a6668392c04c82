package dev.lifeboat.config;

import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code databases.<db>.health}: the issue's defaults, and each mistake told with its key. */
class HealthConfigTest {
    private static final String HEAD = """
            destinations: {main: {url: "s3://my-bucket/backups"}}
            databases:
              shop:
                type: postgres
                url: postgres://u@db:5432/shop
                destination: main
            """;

    @Test
    void theWatchIsOnByDefaultWithTheIssuesThresholds() {
        HealthConfig h = TestConfigs.parse(HEAD).databases().get("shop").health();
        assertTrue(h.enabled());
        assertEquals(Duration.ofSeconds(15), h.interval());
        assertEquals(80.0, HealthConfig.percent(h.connections().warn()));
        assertEquals(95.0, HealthConfig.percent(h.connections().critical()));
        assertEquals(Duration.ofMinutes(5), h.longTransaction());
        assertEquals(Duration.ofMinutes(5), h.idleInTransaction());
        assertEquals(1_000_000_000L, h.slotRetained().bytes());
        assertEquals(1_000_000_000L, h.xidAge());
        assertFalse(h.showQueries());
        assertTrue(h.expectedStandbys().isEmpty());
        assertEquals(Duration.ofMillis(100), h.slowQuery());
        assertEquals(10, h.slowQueryCalls());
    }

    @Test
    void everyKeyIsRead() {
        HealthConfig h = TestConfigs.parse(HEAD + """
                    health:
                      enabled: false
                      interval: 1s
                      connections: {warn: 70%, critical: 90}
                      long-transaction: 10m
                      idle-in-transaction: 30s
                      slot-retained: 512MiB
                      xid-age: 500000000
                      show-queries: true
                      expected-standbys: [replica-1]
                      slow-query: 250ms
                      slow-query-calls: 3
                """).databases().get("shop").health();
        assertFalse(h.enabled());
        assertEquals(70.0, HealthConfig.percent(h.connections().warn()));
        assertEquals(90.0, HealthConfig.percent(h.connections().critical()));
        assertEquals(512L << 20, h.slotRetained().bytes());
        assertEquals(List.of("replica-1"), h.expectedStandbys().orElseThrow());
        assertTrue(h.showQueries());
    }

    @Test
    void mistakesNameTheirKeys() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(HEAD + """
                    health:
                      interval: 10ms
                      connections: {warn: 96%, critical: 95%}
                      long-transaction: 0s
                      xid-age: 3000000000
                      slow-query-calls: 0
                  other:
                    type: postgres
                    url: postgres://u@db:5432/other
                    destination: main
                    health: {connections: {warn: lots, critical: 150%}}
                """));
        List<String> problems = e.problems().stream().map(Object::toString).toList();
        String all = String.join("\n", problems);
        assertTrue(all.contains("databases.shop.health.interval: must be at least 100ms"), all);
        assertTrue(all.contains("databases.shop.health.connections.warn: warn (96%) is above critical (95%)"), all);
        assertTrue(all.contains("databases.shop.health.long-transaction: must be a positive duration"), all);
        assertTrue(all.contains("databases.shop.health.xid-age: must be between 1 and 2147483647"), all);
        assertTrue(all.contains("databases.shop.health.slow-query-calls: must be at least 1"), all);
        assertTrue(all.contains("databases.other.health.connections.warn: 'lots' is not a percentage"), all);
        assertTrue(all.contains("databases.other.health.connections.critical: '150%' must be a percentage above 0% and at most 100%"), all);
    }

    @Test
    void theHealthRulesAreKnownToSinkFilters() {
        for (String rule : List.of("pg-connections", "pg-long-transaction", "pg-idle-in-transaction", "pg-slot-retained", "pg-wraparound")) {
            assertTrue(AlertsConfig.RULE_IDS.contains(rule), rule);
        }
    }
}
