package dev.lifeboat.config;

import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration contract, one malformed file per row: each is refused (check-config and the agent exit 2 on
 * {@link InvalidConfigException}) with a problem on the key path the user wrote and a message saying what to write.
 * Parsed through {@link ConfigLoader#parse}, the path {@code lifeboat check-config} takes.
 */
class MalformedConfigTest {
    private static final String DEST = "destinations:\n  main: { url: 'file:///tmp/lifeboat-malformed' }\n";
    private static final String SQLITE = DEST + "databases:\n  app:\n    type: sqlite\n    path: /tmp/lifeboat-malformed.db\n    destination: main\n";
    private static final String POSTGRES = DEST + "databases:\n  pg:\n    type: postgres\n    url: postgres://u:p@localhost:5432/shop\n    destination: main\n";
    private static final String CWD = Path.of("").toAbsolutePath().toString();

    static Stream<Arguments> malformed() {
        return Stream.of(
                // A list, a mapping or a single value where another shape belongs.
                row("databases as a list", DEST + "databases: [a, b]\n", "databases", "expected a mapping of names to settings"),
                row("destinations as a list of entries", "destinations:\n  - url: file:///tmp/x\n", "destinations", "found a list"),
                row("destinations as a single value", "destinations: file:///tmp/x\n", "destinations", "found a single value"),
                row("alerts as a list", SQLITE + "alerts: [slack]\n", "alerts", "expected a mapping of settings"),
                row("http as a single value", SQLITE + "http: secret-token-value-123\n", "http", "found a single value"),
                row("fly as a list", SQLITE + "fly: [app]\n", "fly", "expected a mapping of settings"),
                row("volumes as a single value", SQLITE + "volumes: /data\n", "volumes", "expected a mapping of names to settings"),
                row("a database as a single value", DEST + "databases:\n  app: sqlite\n", "databases.app", "expected a mapping of settings"),
                row("a database as a list", DEST + "databases:\n  app: [sqlite, /data/app.db]\n", "databases.app", "found a list"),
                row("drill as a boolean", SQLITE + "    drill: yes\n", "databases.app.drill", "expected a mapping of settings (drill:"),
                row("drill as a list", SQLITE + "    drill: [daily]\n", "databases.app.drill", "found a list"),
                row("retention as a number", SQLITE + "    retention: 7\n", "databases.app.retention", "found a single value"),
                row("path as a list", DEST + "databases:\n  app: { type: sqlite, path: [/a.db, /b.db], destination: main }\n",
                        "databases.app.path", "expected a single value, found a list"),
                row("type as a mapping", DEST + "databases:\n  app: { type: { sqlite: 3 }, path: /a.db, destination: main }\n",
                        "databases.app.type", "expected a single value, found a mapping"),
                row("destination url as a mapping", "destinations:\n  main: { url: { s3: bucket } }\n", "destinations.main.url", "found a mapping"),
                row("a destination as a list", "destinations:\n  main: [s3://bucket]\n", "destinations.main", "found a list"),
                row("recipients as a mapping", SQLITE + "    encryption: { recipients: { a: b } }\n",
                        "databases.app.encryption.recipients", "expected a list of values"),
                row("a recipient as a list", SQLITE + "    encryption: { recipients: [[age1]] }\n",
                        "databases.app.encryption.recipients[0]", "expected a single value, found a list"),
                row("encryption as a single value", SQLITE + "    encryption: age1abc\n", "databases.app.encryption", "found a single value"),
                row("sinks as a list", SQLITE + "alerts:\n  sinks:\n    - type: slack\n", "alerts.sinks", "expected a mapping of names to settings"),
                row("a sink as a single value", SQLITE + "alerts:\n  sinks:\n    ops: slack\n", "alerts.sinks.ops", "found a single value"),
                row("severity as a list", SQLITE + "alerts:\n  severity: [critical]\n", "alerts.severity", "expected a mapping of names to values"),
                row("a severity as a list", SQLITE + "alerts:\n  severity:\n    backup-failed: [critical]\n",
                        "alerts.severity.backup-failed", "expected a single value"),
                row("thresholds as a single value", SQLITE + "alerts:\n  thresholds: 5m\n", "alerts.thresholds", "found a single value"),
                row("heartbeat as a list", SQLITE + "alerts:\n  heartbeat: [https://hc-ping.com/x]\n", "alerts.heartbeat", "found a list"),
                row("health as a boolean", POSTGRES + "    health: on\n", "databases.pg.health", "expected a mapping of settings"),
                row("pg-dump as a list", POSTGRES + "    pg-dump: [public]\n", "databases.pg.pg-dump", "found a list"),
                row("drill checks as a list", SQLITE + "    drill:\n      checks: [select 1]\n", "databases.app.drill.checks",
                        "expected a mapping of names to settings"),
                row("volume databases as a mapping", SQLITE + "volumes:\n  data: { path: /tmp, databases: { app: yes } }\n",
                        "volumes.data.databases", "expected a list of values"),
                row("schedule as a mapping", SQLITE + "    schedule: { every: 1h }\n", "databases.app.schedule", "expected a single value, found a mapping"),
                row("connections as a single value", POSTGRES + "    health: { connections: 90% }\n",
                        "databases.pg.health.connections", "found a single value"),
                // Bare numbers where a duration or a size belongs.
                row("bare sync-interval", SQLITE + "    sync-interval: 5\n", "databases.app.sync-interval", "bare number"),
                row("bare sync-interval lists forms", SQLITE + "    sync-interval: 5\n", "databases.app.sync-interval", "500ms, 30s, 15m, 1h, 2d"),
                row("quoted bare snapshot-interval", SQLITE + "    snapshot-interval: \"86400\"\n", "databases.app.snapshot-interval", "'86400' is a bare number"),
                row("decimal bare audit-interval", SQLITE + "    audit-interval: 1.5\n", "databases.app.audit-interval", "bare number"),
                row("bare drill timeout", SQLITE + "    drill: { timeout: 30 }\n", "databases.app.drill.timeout", "bare number"),
                row("bare zero first-delay", SQLITE + "    drill: { first-delay: 0 }\n", "databases.app.drill.first-delay", "PT30S"),
                row("bare alerts.for", SQLITE + "alerts: { for: 120 }\n", "alerts.for", "bare number"),
                row("bare repeat-interval", SQLITE + "alerts: { repeat-interval: 3600 }\n", "alerts.repeat-interval", "bare number"),
                row("bare delivery timeout", SQLITE + "alerts: { delivery: { timeout: 10 } }\n", "alerts.delivery.timeout", "bare number"),
                row("bare heartbeat interval", SQLITE + "alerts: { heartbeat: { url: 'https://hc-ping.com/x', interval: 60 } }\n",
                        "alerts.heartbeat.interval", "bare number"),
                row("bare volume check-interval", SQLITE + "volumes:\n  data: { path: /tmp, check-interval: 30 }\n",
                        "volumes.data.check-interval", "bare number"),
                row("bare replication-lag warn", POSTGRES + "    health: { replication-lag: { warn: 30 } }\n",
                        "databases.pg.health.replication-lag.warn", "bare number"),
                row("bare part-size", "destinations:\n  main: { url: 'file:///tmp/x', part-size: 16 }\n", "destinations.main.part-size", "16MiB"),
                row("bare part-size lists forms", "destinations:\n  main: { url: 'file:///tmp/x', part-size: 16 }\n",
                        "destinations.main.part-size", "512KiB"),
                row("bare request-timeout", "destinations:\n  main: { url: 's3://bucket/x', request-timeout: 60 }\n",
                        "destinations.main.request-timeout", "bare number"),
                row("bare scratch-space", SQLITE + "    drill: { scratch-space: 1048576 }\n", "databases.app.drill.scratch-space", "'1048576' is a bare number"),
                row("bare warn-bytes", POSTGRES + "    health: { replication-lag: { warn-bytes: 1000 } }\n",
                        "databases.pg.health.replication-lag.warn-bytes", "bare number"),
                row("bare slot-retained", POSTGRES + "    health: { slot-retained: 1000000 }\n", "databases.pg.health.slot-retained", "bare number"),
                row("bare retry-backoff", POSTGRES + "    retry-backoff: 10\n", "databases.pg.retry-backoff", "bare number"),
                row("zero retry-backoff", POSTGRES + "    retry-backoff: 0s\n", "databases.pg.retry-backoff", "positive"),
                row("retry-max-backoff below retry-backoff", POSTGRES + "    retry-backoff: 1m\n    retry-max-backoff: 30s\n",
                        "databases.pg.retry-max-backoff", "30s is shorter than retry-backoff (1m)"),
                // The HTTP API token.
                row("short api-token", SQLITE + "http: { api-token: short }\n", "http.api-token", "at least 16 characters"),
                row("15-character api-token", SQLITE + "http: { api-token: abcdefghijklmno }\n", "http.api-token", "too short"),
                row("15-character read-token", SQLITE + "http: { read-token: abcdefghijklmno }\n", "http.read-token", "too short"),
                row("negative status-cache", SQLITE + "http: { status-cache: -1s }\n", "http.status-cache", "must not be negative"),
                row("bare status-cache", SQLITE + "http: { status-cache: 5 }\n", "http.status-cache", "bare number"),
                // Two databases on one SQLite file.
                row("same absolute path", DEST + "databases:\n  a: { type: sqlite, path: /data/app.db, destination: main }\n"
                        + "  b: { type: sqlite, path: /data/app.db, destination: main }\n", "databases.b.path", "databases.a.path"),
                row("same path through ..", DEST + "databases:\n  a: { type: sqlite, path: /data/app.db, destination: main }\n"
                        + "  b: { type: sqlite, path: /data/x/../app.db, destination: main }\n", "databases.b.path", "same SQLite file as databases.a.path"),
                row("relative and absolute path of one file", DEST + "databases:\n  a: { type: sqlite, path: data/app.db, destination: main }\n"
                        + "  b: { type: sqlite, path: '" + CWD + "/data/app.db', destination: main }\n", "databases.b.path", "databases.a.path"),
                row("./ and bare relative path", DEST + "databases:\n  a: { type: sqlite, path: ./app.db, destination: main }\n"
                        + "  b: { type: sqlite, path: app.db, destination: main }\n", "databases.b.path", "databases.a.path"));
    }

    private static Arguments row(String name, String yaml, String key, String fragment) {
        return Arguments.of(name, yaml, key, fragment);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void isRefusedNamingTheKey(String name, String yaml, String key, String fragment) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(yaml), name);
        List<ConfigProblem> atKey = e.problems().stream().filter(p -> p.key().equals(key)).toList();
        assertFalse(atKey.isEmpty(), name + ": no problem at " + key + " in\n" + e.getMessage());
        assertTrue(atKey.stream().anyMatch(p -> p.message().contains(fragment)), name + ": '" + fragment + "' not said at " + key + " in\n" + e.getMessage());
        assertEquals(2, e.exitCode(), "a configuration problem exits with the usage code");
    }

    @Test
    void atLeastFortyRows() {
        assertTrue(malformed().count() >= 40);
    }

    @Test
    void secretsOfTheWrongShapeOrLengthAreNotRepeated() {
        InvalidConfigException shape = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(SQLITE + "http: secret-token-value-123\n"));
        assertFalse(shape.getMessage().contains("secret-token-value-123"), shape.getMessage());
        InvalidConfigException shortToken = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(SQLITE + "http: { api-token: hunter2 }\n"));
        assertFalse(shortToken.getMessage().contains("hunter2"), shortToken.getMessage());
    }

    @Test
    void everyProblemIsReportedAtOnceBesideAShapeProblem() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(SQLITE
                + "    drill: yes\n    sync-interval: 5\nalerts: [slack]\nhttp: { api-token: short }\n"));
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        assertTrue(keys.containsAll(List.of("databases.app.drill", "databases.app.sync-interval", "alerts", "http.api-token")), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"500ms", "30s", "15m", "1h", "2d", "PT30S", "1.5s", "1h30m"})
    void everyDurationFormWithAUnitStaysValid(String duration) {
        TestConfigs.parse(SQLITE + "    sync-interval: " + duration + "\n    drill: { timeout: " + duration + " }\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"512KiB", "16MiB", "2GiB", "500kB", "16MB", "1.5G", "64k", "4096B"})
    void everySizeFormWithAUnitStaysValid(String size) {
        TestConfigs.parse(SQLITE + "    drill: { scratch-space: " + size + " }\n");
    }

    @Test
    void aLongEnoughOrEmptyApiTokenAndListsWrittenAsOneValueStayValid() {
        assertEquals("0123456789abcdef", TestConfigs.parse(SQLITE + "http: { api-token: 0123456789abcdef }\n").http().apiToken().orElseThrow());
        assertTrue(TestConfigs.parse(SQLITE + "http: { api-token: '${T:}' }\n").http().apiToken().filter(t -> !t.isBlank()).isEmpty());
        TestConfigs.parse(SQLITE + "volumes:\n  data: { path: /tmp, databases: app }\n");
    }

    @Test
    void twoDatabasesOnDifferentFilesOrAnEmptyConfigAreValid() {
        assertEquals(2, TestConfigs.parse(DEST + "databases:\n  a: { type: sqlite, path: /data/a.db, destination: main }\n"
                + "  b: { type: sqlite, path: /data/b.db, destination: main }\n").databases().size());
        assertTrue(TestConfigs.parse(DEST).databases().isEmpty());
    }
}
