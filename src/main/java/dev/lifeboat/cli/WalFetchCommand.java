package dev.lifeboat.cli;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.pitr.WalArchive;
import dev.lifeboat.pitr.WalChecksumException;
import dev.lifeboat.pitr.WalFetch;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.stream.age.AgeKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lifeboat wal-fetch %f %p}: PostgreSQL's {@code restore_command}. Fetches WAL file {@code %f} of the database
 * from its destination, checks its SHA-256 before writing a byte, and writes {@code %p} (temp name, fsync, rename).
 * Exit 0 restored; 1 not in the archive (recovery ends there, as PostgreSQL expects); 2 checksum mismatch, naming
 * the object; 3 any other failure (store unreachable, bad configuration). PostgreSQL treats every exit below 126 as
 * "not found" and ends recovery; {@code --abort-recovery-on-error} turns 2 and 3 into 129, which makes it stop
 * recovery with an error instead.
 */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "wal-fetch", description = "restore_command for PostgreSQL point-in-time recovery: fetch WAL file %f into %p, checksum verified; "
        + "exit 1 when the archive has no such file, 2 on a checksum mismatch.")
public class WalFetchCommand implements Callable<Integer> {
    static final int EXIT_ABSENT = 1;
    static final int EXIT_CHECKSUM = 2;
    static final int EXIT_ERROR = 3;
    /** Above 128: PostgreSQL reads it as a signal and stops recovery with FATAL rather than ending it. */
    static final int EXIT_ABORT_RECOVERY = 129;

    @Mixin
    ConfigOption config;

    @Parameters(index = "0", paramLabel = "FILE", description = "The WAL file name PostgreSQL asks for (%f).")
    String fileName;

    @Parameters(index = "1", paramLabel = "PATH", description = "Where PostgreSQL wants it written (%p).")
    Path target;

    @Option(names = "--database", paramLabel = "DB", description = "The database whose archive to read (default: the only postgres database with pitr.enabled).")
    String database;

    @Option(names = "--abort-recovery-on-error", description = "Exit 129 instead of 2 or 3, so PostgreSQL stops recovery instead of ending it.")
    boolean abortRecoveryOnError;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        try {
            LifeboatConfig loaded = config.load();
            String name = database != null ? database : onlyPitrDatabase(loaded);
            DatabaseConfig db = Databases.named(loaded, name, config);
            try (ObjectStore store = ObjectStores.openUnder(loaded.destinations().get(db.destination()), name + "/")) {
                WalArchive archive = new WalArchive(store, AgeKeys.identities(db));
                if (WalFetch.fetch(archive, fileName, target) == WalFetch.Outcome.ABSENT) {
                    err.println("lifeboat wal-fetch: " + fileName + " is not in the archive of " + name);
                    return EXIT_ABSENT;
                }
                return 0;
            }
        } catch (WalChecksumException e) {
            err.println("lifeboat wal-fetch: " + e.getMessage());
            return abortRecoveryOnError ? EXIT_ABORT_RECOVERY : EXIT_CHECKSUM;
        } catch (Exception e) {
            err.println("lifeboat wal-fetch: cannot fetch " + fileName + ": " + e.getMessage());
            if (e instanceof UserFacingException u) {
                u.hint().ifPresent(h -> err.println("hint: " + h));
            }
            return abortRecoveryOnError ? EXIT_ABORT_RECOVERY : EXIT_ERROR;
        }
    }

    private String onlyPitrDatabase(LifeboatConfig loaded) {
        List<String> candidates = loaded.databases().entrySet().stream()
                .filter(e -> e.getValue().type() == DatabaseType.POSTGRES && e.getValue().pitr().enabled())
                .map(Map.Entry::getKey).sorted().toList();
        if (candidates.size() != 1) {
            throw new UserFacingException((candidates.isEmpty() ? "no postgres database has pitr.enabled" : "several databases have pitr.enabled: "
                    + String.join(", ", candidates)) + " in " + config.path(), "name the database with --database DB");
        }
        return candidates.getFirst();
    }
}
