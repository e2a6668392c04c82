package dev.lifeboat.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The database type, compression and schedules are read once, by converters, into types; their mistakes list the choices. */
class TypedValuesTest {
    private static final String DEST = "destinations:\n  main:\n    url: s3://my-bucket/backups\n";
    private static final Instant T = Instant.parse("2026-11-23T20:17:00Z");

    private static String problem(InvalidConfigException e, String key) {
        return e.problems().stream().filter(p -> p.key().equals(key)).map(ConfigProblem::message).findFirst()
                .orElseThrow(() -> new AssertionError("no problem at " + key + " in:\n" + e.getMessage()));
    }

    @Test
    void valuesArriveTyped() {
        LifeboatConfig c = TestConfigs.parse(DEST + """
                databases:
                  app: { type: sqlite, path: /data/app.db, destination: main, drill: { schedule: 12h } }
                  pg:  { type: postgres, url: "postgres://h/db", destination: main, schedule: "0 3 * * *", compression: gzip }
                """);
        DatabaseConfig app = c.databases().get("app");
        DatabaseConfig pg = c.databases().get("pg");
        assertEquals(DatabaseType.SQLITE, app.type());
        assertEquals(DatabaseType.POSTGRES, pg.type());
        assertEquals(Compression.GZIP, pg.compression());
        assertEquals(Compression.ZSTD, app.compression());
        assertEquals(Instant.parse("2026-11-24T03:00:00Z"), pg.schedule().next(T));
        assertEquals(T.plusSeconds(3600), app.schedule().next(T), "the default schedule is 1h");
        assertEquals(T.plusSeconds(12 * 3600), app.drill().schedule().orElseThrow().next(T));
        assertTrue(pg.drill().schedule().isEmpty());
    }

    @Test
    void schedulesKeepTheTextTheUserWrote() {
        LifeboatConfig c = TestConfigs.parse(DEST + """
                databases:
                  a: { type: postgres, url: "postgres://h/db", destination: main, schedule: 90m }
                  b: { type: postgres, url: "postgres://h/db", destination: main, schedule: "*/15 * * * mon-fri" }
                  c: { type: postgres, url: "postgres://h/db", destination: main }
                """);
        assertEquals("90m", c.databases().get("a").schedule().text());
        assertEquals("*/15 * * * mon-fri", c.databases().get("b").schedule().text());
        assertEquals(DatabaseConfig.DEFAULT_SCHEDULE, c.databases().get("c").schedule().text());
    }

    @Test
    void mistakesKeepTheirWordsAndListTheChoices() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(DEST + """
                databases:
                  app: { type: mysql, path: /d/a.db, destination: main }
                  pg:  { type: postgres, url: 'postgres://h/db', destination: main, compression: brotli, schedule: 'every day' }
                  pg2: { type: postgres, url: 'postgres://h/db', destination: main, drill: { schedule: '0 0 31 2 *' } }
                """));
        assertEquals("unknown type 'mysql'; use sqlite or postgres", problem(e, "databases.app.type"));
        assertEquals("unknown compression 'brotli'; use zstd, gzip or none", problem(e, "databases.pg.compression"));
        assertEquals("'every day' is neither an interval (30s, 15m, 1h, 1d) nor a 5-field cron expression (\"0 3 * * *\")",
                problem(e, "databases.pg.schedule"));
        assertTrue(problem(e, "databases.pg2.drill.schedule").contains("never matches"), e.getMessage());
        assertFalse(e.getMessage().contains("SRCFG"), e.getMessage());
    }

    @Test
    void aValueThatDoesNotConvertDoesNotHideTheOtherProblems() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(DEST + """
                databases:
                  app: { type: mysql, path: /d/a.db, destination: main }
                  pg:  { type: postgres, url: 'postgres://h/db', destination: nowhere, compression: brotli }
                  lite: { type: sqlite, destination: main, sync-interval: fast }
                volumes:
                  data: { path: /data, databases: [app, ghost] }
                """));
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        assertTrue(keys.containsAll(List.of("databases.app.type", "databases.pg.compression", "databases.lite.sync-interval",
                "databases.pg.destination", "databases.lite.path", "volumes.data.databases[1]")), e.getMessage());
        // The database whose type is unknown is left out of the other checks, not reported as missing.
        assertFalse(keys.contains("volumes.data.databases[0]"), e.getMessage());
        assertEquals(6, e.problems().size(), e.getMessage());
    }

    @Test
    void statusJsonNamesTypesAsTheConfigurationDoes() throws Exception {
        String json = new ObjectMapper().writeValueAsString(Map.of("type", DatabaseType.SQLITE, "compression", Compression.NONE));
        assertTrue(json.contains("\"type\":\"sqlite\""), json);
        assertTrue(json.contains("\"compression\":\"none\""), json);
        assertEquals("postgres", DatabaseType.POSTGRES.toString());
    }
}
