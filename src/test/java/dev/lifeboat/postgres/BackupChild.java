package dev.lifeboat.postgres;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.testing.TestConfigs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * A backup in a process of its own, which pauses in the middle of its upload (writing a marker file) so that
 * {@link PgBackupKillTest} can SIGKILL it there. Args: CONFIG DATABASE PAUSE_AFTER_BYTES MARKER.
 */
public final class BackupChild {
    public static void main(String[] args) throws Exception {
        LifeboatConfig config = TestConfigs.parse(Files.readString(Path.of(args[0])));
        String db = args[1];
        GatedStore gated = new GatedStore(ObjectStores.open(config.destinations().get(config.databases().get(db).destination())),
                Long.parseLong(args[2]), Path.of(args[3]));
        new PgBackup(PgBackup.Settings.of(db, config.databases().get(db)), new BackupCatalog(new PrefixedStore(gated, db + "/")),
                PgTools.standard(), Clock.systemUTC()).run();
        System.exit(3); // never released: reaching this line is a test failure
    }
}
