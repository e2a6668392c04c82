package dev.lifeboat.config;

import dev.lifeboat.stream.Compression;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user's configuration file means, and what each mistake in it is told as. */
class ConfigLoaderTest {
    private static final String DEST = "destinations:\n  main:\n    url: s3://my-bucket/backups\n";

    @Test
    void theIssueExampleLoadsWithItsDefaults() {
        LifeboatConfig c = TestConfigs.parse("""
                destinations:
                  main:
                    url: s3://my-bucket/backups
                    endpoint: https://fly.storage.tigris.dev
                    region: auto
                    path-style: false
                    access-key-id: ${AWS_ACCESS_KEY_ID}
                    secret-access-key: ${AWS_SECRET_ACCESS_KEY}
                databases:
                  app:   { type: sqlite,   path: /data/app.db,     destination: main }
                  main:  { type: postgres, url: "${DATABASE_URL}", destination: main, schedule: 1h }
                volumes:
                  data:  { path: /data }
                """, Map.of("AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "s3cr3t", "DATABASE_URL", "postgres://u:p@db:5432/shop"));
        assertEquals("auto", c.destinations().get("main").region());
        assertEquals("AKID", c.destinations().get("main").accessKeyId().orElseThrow());
        assertEquals("postgres://u:p@db:5432/shop", c.databases().get("main").url().orElseThrow());
        assertEquals(Duration.ofSeconds(1), c.databases().get("app").syncInterval());
        assertEquals(Compression.ZSTD, c.databases().get("main").compression());
        assertEquals(7, c.databases().get("main").retention().keepLast());
        assertTrue(c.volumes().get("data").requireMount());
        assertEquals(Duration.ofSeconds(30), c.volumes().get("data").checkInterval());
        assertEquals(16L * 1024 * 1024, c.destinations().get("main").partSize().bytes());
        assertTrue(c.alerts().sinks().isEmpty());
    }

    @Test
    void environmentDefaultsAndEscapesExpand() {
        LifeboatConfig c = TestConfigs.parse(DEST + """
                databases:
                  app: { type: sqlite, path: "${DATA_DIR:/data}/app.db", destination: main }
                http:
                  api-token: "pa$$word-${TOKEN_SUFFIX}"
                """, Map.of("TOKEN_SUFFIX", "x1-long-enough"));
        assertEquals("/data/app.db", c.databases().get("app").path().orElseThrow());
        assertEquals("pa$word-x1-long-enough", c.http().apiToken().orElseThrow());
    }

    @Test
    void theRepositorysDefaultConfigIsValid() {
        LifeboatConfig c = new ConfigLoader(Map.of()).load(Path.of("lifeboat.yml"));
        assertEquals(DatabaseType.SQLITE, c.databases().get("app").type());
        assertTrue(c.destinations().get("local").url().startsWith("file:"));
    }

    @Test
    void theFlyExamplesAreValidWithTheSecretsFlySets() {
        Map<String, String> flyEnv = Map.of("BUCKET_NAME", "my-tigris-bucket", "AWS_ACCESS_KEY_ID", "tid_x",
                "AWS_SECRET_ACCESS_KEY", "tsec_y", "DATABASE_URL", "postgres://app:pw@my-db.flycast:5432/app");
        LifeboatConfig app = new ConfigLoader(flyEnv).load(Path.of("fly/app.yml"));
        assertEquals("s3://my-tigris-bucket/lifeboat/app", app.destinations().get("tigris").url());
        assertEquals("https://fly.storage.tigris.dev", app.destinations().get("tigris").endpoint().orElseThrow());
        LifeboatConfig backup = new ConfigLoader(flyEnv).load(Path.of("fly/backup.yml"));
        assertEquals(DatabaseType.POSTGRES, backup.databases().get("main").type());
    }

    @Test
    void cronAndIntervalSchedulesAreAccepted() {
        TestConfigs.parse(DEST + """
                databases:
                  a: { type: postgres, url: "postgres://h/db", destination: main, schedule: "0 3 * * *" }
                  b: { type: postgres, url: "postgres://h/db", destination: main, schedule: "*/15 * * * mon-fri" }
                  c: { type: postgres, url: "postgres://h/db", destination: main, schedule: 30m }
                """);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("unknown destination", DEST + "databases:\n  app: { type: sqlite, path: /d/a.db, destination: backup }\n",
                        "databases.app.destination", "no destination named 'backup' (defined: main)"),
                Arguments.of("bad duration", DEST + "databases:\n  app: { type: sqlite, path: /d/a.db, destination: main, sync-interval: fast }\n",
                        "databases.app.sync-interval", "invalid value 'fast': expected a duration"),
                Arguments.of("bad schedule", DEST + "databases:\n  pg: { type: postgres, url: 'postgres://h/db', destination: main, schedule: 'every day' }\n",
                        "databases.pg.schedule", "neither an interval"),
                Arguments.of("cron out of range", DEST + "databases:\n  pg: { type: postgres, url: 'postgres://h/db', destination: main, schedule: '61 * * * *' }\n",
                        "databases.pg.schedule", "cron minute '61' is not a number from 0 to 59"),
                Arguments.of("cron that never matches", DEST + "databases:\n  pg: { type: postgres, url: 'postgres://h/db', destination: main, schedule: '0 0 31 2 *' }\n",
                        "databases.pg.schedule", "never matches"),
                Arguments.of("malformed destination url", "destinations:\n  main: { url: 's3://bad bucket/x' }\n",
                        "destinations.main.url", "malformed URL"),
                Arguments.of("unsupported scheme", "destinations:\n  main: { url: 'ftp://host/dir' }\n",
                        "destinations.main.url", "unsupported scheme"),
                Arguments.of("short bucket", "destinations:\n  main: { url: 's3://ab/x' }\n",
                        "destinations.main.url", "no bucket name of at least 3 characters"),
                Arguments.of("unknown type", DEST + "databases:\n  app: { type: mysql, path: /d/a.db, destination: main }\n",
                        "databases.app.type", "unknown type 'mysql'; use sqlite or postgres"),
                Arguments.of("sqlite without path", DEST + "databases:\n  app: { type: sqlite, destination: main }\n",
                        "databases.app.path", "a sqlite database needs path:"),
                Arguments.of("postgres without url", DEST + "databases:\n  pg: { type: postgres, destination: main }\n",
                        "databases.pg.url", "a postgres database needs url:"),
                Arguments.of("postgres url of another scheme", DEST + "databases:\n  pg: { type: postgres, url: 'mysql://u:hunter2@h/db', destination: main }\n",
                        "databases.pg.url", "is not a postgres:// or postgresql:// URL"),
                Arguments.of("postgres url without database", DEST + "databases:\n  pg: { type: postgres, url: 'postgres://h:5432', destination: main }\n",
                        "databases.pg.url", "names no database"),
                Arguments.of("missing destination url", "destinations:\n  main: { region: auto }\n",
                        "destinations.main.url", "required key is missing"),
                Arguments.of("missing type", DEST + "databases:\n  app: { path: /d/a.db, destination: main }\n",
                        "databases.app.type", "required key is missing"),
                Arguments.of("misspelled key", DEST + "databases:\n  app: { type: sqlite, pth: /d/a.db, destination: main }\n",
                        "databases.app.pth", "unknown key"),
                Arguments.of("unknown top-level key", DEST + "databse:\n  app: { type: sqlite }\n",
                        "databse", "unknown key; the top-level keys are destinations, databases"),
                Arguments.of("not a boolean", "destinations:\n  main: { url: 's3://bucket/x', path-style: maybe }\n",
                        "destinations.main.path-style", "invalid value 'maybe': expected true or false"),
                Arguments.of("not a number", DEST + "databases:\n  pg: { type: postgres, url: 'postgres://h/db', destination: main, retention: { keep-last: many } }\n",
                        "databases.pg.retention.keep-last", "invalid value 'many'"),
                Arguments.of("retention keeps nothing", DEST + "databases:\n  pg: { type: postgres, url: 'postgres://h/db', destination: main, retention: { keep-last: 0, keep-daily: 0, keep-weekly: 0, keep-monthly: 0 } }\n",
                        "databases.pg.retention", "keeps nothing"),
                Arguments.of("unknown compression", DEST + "databases:\n  pg: { type: postgres, url: 'postgres://h/db', destination: main, compression: brotli }\n",
                        "databases.pg.compression", "unknown compression 'brotli'; use zstd, gzip or none"),
                Arguments.of("unknown row-counts", DEST + "databases:\n  pg: { type: postgres, url: 'postgres://h/db', destination: main, row-counts: precise }\n",
                        "databases.pg.row-counts", "unknown row-counts 'precise'; use estimate or exact"),
                Arguments.of("bad age recipient", DEST + "databases:\n  pg: { type: postgres, url: 'postgres://h/db', destination: main, encryption: { recipients: [ssh-rsa AAAA] } }\n",
                        "databases.pg.encryption.recipients[0]", "not an age X25519 recipient"),
                Arguments.of("keys not paired", "destinations:\n  main: { url: 's3://bucket/x', access-key-id: AKID }\n",
                        "destinations.main.secret-access-key", "must be given together"),
                Arguments.of("part size too small", "destinations:\n  main: { url: 's3://bucket/x', part-size: 1MiB }\n",
                        "destinations.main.part-size", "between 5MiB and 5GiB"),
                Arguments.of("bad part size", "destinations:\n  main: { url: 's3://bucket/x', part-size: huge }\n",
                        "destinations.main.part-size", "is not a size"),
                Arguments.of("request timeout too long", "destinations:\n  main: { url: 's3://bucket/x', request-timeout: 11m }\n",
                        "destinations.main.request-timeout", "must be a positive duration of at most 10m"),
                Arguments.of("zero connect timeout", "destinations:\n  main: { url: 's3://bucket/x', connect-timeout: 0s }\n",
                        "destinations.main.connect-timeout", "must be a positive duration of at most 10m"),
                Arguments.of("bad endpoint", "destinations:\n  main: { url: 's3://bucket/x', endpoint: 'tigris' }\n",
                        "destinations.main.endpoint", "not an http(s) URL"),
                Arguments.of("relative volume path", "volumes:\n  data: { path: data }\n",
                        "volumes.data.path", "must be an absolute path"),
                Arguments.of("bad free-space threshold", "volumes:\n  data: { path: /data, min-free: lots }\n",
                        "volumes.data.min-free", "is not a threshold"),
                Arguments.of("unknown sink type", "alerts:\n  sinks:\n    ops: { type: email, url: 'https://example.com/hook' }\n",
                        "alerts.sinks.ops.type", "unknown sink type 'email'"),
                Arguments.of("sink url not http", "alerts:\n  sinks:\n    ops: { type: webhook, url: 'mailto:ops@example.com' }\n",
                        "alerts.sinks.ops.url", "not an http(s) URL"),
                Arguments.of("unset environment variable", DEST + "databases:\n  pg: { type: postgres, url: '${NOPE_DATABASE_URL}', destination: main }\n",
                        "databases.pg.url", "environment variable NOPE_DATABASE_URL is not set"),
                Arguments.of("malformed YAML", "destinations:\n  main: { url: s3://bucket/x\n",
                        "", "malformed YAML at line"),
                Arguments.of("duplicate key", "destinations:\n  main: { url: 's3://bucket/x' }\n  main: { url: 's3://other/x' }\n",
                        "", "malformed YAML"),
                Arguments.of("not a mapping", "- just\n- a list\n",
                        "", "must be a YAML mapping"),
                Arguments.of("bad name", "destinations:\n  'my bucket': { url: 's3://bucket/x' }\n",
                        "destinations.my bucket", "name must start with a letter or digit"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void eachMistakeNamesItsKeyAndWhatIsWrong(String what, String yaml, String key, String message) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(yaml));
        assertTrue(e.problems().stream().anyMatch(p -> p.key().equals(key) && p.message().contains(message)),
                "expected '" + key + ": ..." + message + "...' in:\n" + e.getMessage());
        assertFalse(e.getMessage().contains("\tat "), "no stack trace");
        assertFalse(e.getMessage().contains("SRCFG"), "no SmallRye codes");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse("""
                destinations:
                  main: { url: 'ftp://x/y' }
                databases:
                  a: { type: sqlite, destination: nowhere, colour: blue }
                  b: { type: postgres, url: 'postgres://h/db', destination: main, schedule: 'sometimes' }
                volumes:
                  v: { path: relative }
                """));
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        assertTrue(keys.containsAll(List.of("destinations.main.url", "databases.a.destination", "databases.a.path",
                "databases.a.colour", "databases.b.schedule", "volumes.v.path")), e.getMessage());
    }

    @Test
    void secretsNeverAppearInMessages() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(DEST + """
                databases:
                  pg: { type: postgres, url: 'mysql://admin:hunter2@db/x', destination: main }
                  pg2: { type: postgres, url: 'postgres://admin:hunter3@db', destination: main }
                """));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter3"), e.getMessage());
    }

    @Test
    void missingFileSaysWhereItLookedAndHowToChoose(@TempDir Path dir) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> new ConfigLoader(Map.of()).load(dir.resolve("nope.yml")));
        assertTrue(e.getMessage().contains("file not found"), e.getMessage());
        // How to choose another file is the hint, printed on its own line (CheckConfigCommandTest checks the output).
        assertTrue(e.hint().orElseThrow().contains("--config"), e.hint().toString());
    }
}
