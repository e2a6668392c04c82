package dev.lifeboat.config;

import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code databases.<db>.pitr}: off by default with the issue's defaults, every key read, each mistake named by its key. */
class PitrConfigTest {
    private static final String HEAD = """
            destinations: {main: {url: "s3://my-bucket/backups"}}
            databases:
              shop:
                type: postgres
                url: postgres://u@db:5432/shop
                destination: main
            """;

    @Test
    void offByDefaultWithTheIssuesDefaults() {
        PitrConfig p = TestConfigs.parse(HEAD).databases().get("shop").pitr();
        assertFalse(p.enabled());
        assertEquals("lifeboat", p.slot());
        assertEquals(Duration.ofSeconds(10), p.archiveTimeout());
        assertEquals("24h", p.baseBackupSchedule().text());
        assertEquals(Duration.ofDays(7), p.retention().period());
        assertEquals(2, p.retention().keepBaseBackups());
    }

    @Test
    void theReadmeExampleIsRead() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
        String section = readme.substring(readme.indexOf("## PostgreSQL point-in-time recovery"));
        String yaml = section.substring(section.indexOf("```yaml\n") + 8, section.indexOf("```", section.indexOf("```yaml\n") + 8));
        PitrConfig p = TestConfigs.parse("destinations: {s3: {url: \"s3://bucket/p\"}}\n" + yaml, java.util.Map.of("PG_PASSWORD", "x"))
                .databases().get("shop").pitr();
        assertTrue(p.enabled());
        assertEquals("0 3 * * *", p.baseBackupSchedule().text());
        assertEquals(2, p.retention().keepBaseBackups());
    }

    @Test
    void mistakesAreNamedByTheirKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TestConfigs.parse(HEAD + """
                    pitr: {enabled: true, slot: "Bad-Slot", archive-timeout: 100ms, retention: {keep-base-backups: 0, period: 0s}}
                  app:
                    type: sqlite
                    path: /data/app.db
                    destination: main
                    pitr: {enabled: true}
                """));
        String all = String.join("\n", e.problems().stream().map(Object::toString).toList());
        assertTrue(all.contains("databases.shop.pitr.slot"), all);
        assertTrue(all.contains("databases.shop.pitr.archive-timeout"), all);
        assertTrue(all.contains("databases.shop.pitr.retention.keep-base-backups"), all);
        assertTrue(all.contains("databases.shop.pitr.retention.period"), all);
        assertTrue(all.contains("databases.app.pitr.enabled") && all.contains("applies to postgres databases"), all);
    }
}
