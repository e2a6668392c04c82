package dev.lifeboat.postgres;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PostgreSQL 17 server (zonky's binaries from Maven Central) with only pg_dump 15 installed: the backup stops
 * before dumping with an error naming both versions and the fix, and nothing reaches the bucket.
 */
class PgVersionMismatchTest {
    /** Unpacks the PostgreSQL 17 server the build copied into the test tools, where the postgres user can run it. */
    static Path postgres17() throws Exception {
        Path jar = ExternalProcess.testTools().resolve("postgres17-binaries.jar").toAbsolutePath();
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-pg17-");
        ExternalProcess.run(List.of("sh", "-c", "unzip -p '" + jar + "' '*.txz' | tar -xJ -C '" + dir + "' && chmod -R a+rX '" + dir + "'"),
                Duration.ofMinutes(2));
        return dir.resolve("bin");
    }

    @Test
    void newerServerThanPgDumpGivesAClearError() throws Exception {
        Path bin = postgres17();
        try (PostgresServer pg17 = PostgresServer.start(bin); S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("backups");
            pg17.createDatabase("app");
            LifeboatConfig config = PgFixtures.config(s3, pg17, "app", "");
            // Only Debian's PostgreSQL 15 client is a candidate, as on a machine where nobody installed 17.
            PgTools only15 = new PgTools(List.of(Path.of("/usr/lib/postgresql/15/bin")));
            PgBackup backup = new PgBackup(PgBackup.Settings.of("app", config.databases().get("app")),
                    new BackupCatalog(PgFixtures.store(config, "app")), only15, java.time.Clock.systemUTC());
            UserFacingException e = assertThrows(UserFacingException.class, backup::run);
            String m = e.getMessage();
            System.out.println("version mismatch message: " + m);
            assertTrue(m.contains("pg_dump 15.") && m.contains("PostgreSQL 17."), m);
            assertTrue(m.contains("postgresql-client-17") && m.contains(PgTools.BIN_ENV), "the message says how to fix it: " + m);
            assertEquals(0, PgFixtures.store(config, "app").list("").size(), "nothing written");
        } finally {
            ExternalProcess.run(List.of("rm", "-rf", bin.getParent().toString()), Duration.ofMinutes(1));
        }
    }
}
