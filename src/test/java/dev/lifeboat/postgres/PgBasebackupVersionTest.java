package dev.lifeboat.postgres;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.pitr.BaseBackupCatalog;
import dev.lifeboat.pitr.PitrBaseBackup;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pg_basebackup's server-version rule (it refuses servers newer than itself): a PostgreSQL 17 server with only
 * pg_basebackup 15 installed stops a PITR base backup before it starts, naming both versions and the fix.
 */
class PgBasebackupVersionTest {
    @Test
    void newerServerThanPgBasebackupGivesAClearError() throws Exception {
        Path bin = PgVersionMismatchTest.postgres17();
        try (PostgresServer pg17 = PostgresServer.start(bin); S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("backups");
            pg17.createDatabase("app");
            LifeboatConfig config = PgFixtures.config(s3, pg17, "app", "    pitr: { enabled: true }\n");
            PgTools only15 = new PgTools(List.of(Path.of("/usr/lib/postgresql/15/bin")));
            PitrBaseBackup backup = new PitrBaseBackup(PitrBaseBackup.Settings.of("app", config.databases().get("app")),
                    new BaseBackupCatalog(PgFixtures.store(config, "app")), only15, java.time.Clock.systemUTC());
            UserFacingException e = assertThrows(UserFacingException.class, backup::run);
            String m = e.getMessage();
            assertTrue(m.contains("pg_basebackup 15.") && m.contains("PostgreSQL 17."), m);
            assertTrue(m.contains("postgresql-client-17") && m.contains(PgTools.BIN_ENV), "the message says how to fix it: " + m);
            assertEquals(0, PgFixtures.store(config, "app").list("").size(), "nothing written");
        } finally {
            ExternalProcess.run(List.of("rm", "-rf", bin.getParent().toString()), Duration.ofMinutes(1));
        }
    }
}
