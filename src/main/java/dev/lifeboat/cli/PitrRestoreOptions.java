package dev.lifeboat.cli;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.pitr.Lsn;
import dev.lifeboat.pitr.PitrRestorer;
import dev.lifeboat.pitr.RecoveryConfig;
import dev.lifeboat.pitr.RecoveryServer;
import dev.lifeboat.pitr.RecoveryTarget;
import dev.lifeboat.pitr.WalSpool;
import dev.lifeboat.stream.age.AgeKeys;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code lifeboat restore DB --pitr --to-dir PGDATA (--at T | --lsn LSN | --latest)}: a point-in-time restore into a
 * data directory, optionally started ({@code --start --port P}).
 */
final class PitrRestoreOptions {
    @Option(names = "--pitr", required = true, description = "Restore from base backups and archived WAL to a point in time (needs --to-dir).")
    boolean enabled;

    @Option(names = "--to-dir", paramLabel = "PGDATA", description = "With --pitr: the new or empty data directory to restore into.")
    Path toDir;

    @Option(names = "--lsn", paramLabel = "LSN", description = "With --pitr: recover up to this WAL position (e.g. 0/3000060).")
    String lsn;

    @Option(names = "--latest", description = "With --pitr: recover all archived WAL.")
    boolean latest;

    @Option(names = "--base-backup", paramLabel = "ID", description = "With --pitr: start from this base backup (default: the newest before the target).")
    String baseBackup;

    @Option(names = "--lifeboat-command", paramLabel = "CMD", defaultValue = "lifeboat",
            description = "With --pitr: how the server runs Lifeboat in restore_command (default: lifeboat, found on the server user's PATH).")
    String lifeboatCommand;

    @Option(names = "--start", description = "With --pitr: start the server on the restored directory and wait until it has recovered and promoted.")
    boolean start;

    @Option(names = "--port", paramLabel = "P", description = "With --start: the port the server listens on.")
    Integer port;

    @Option(names = "--pg-bin", paramLabel = "DIR", description = "With --start: the PostgreSQL server binaries (default: searched for the backup's major version).")
    Path pgBin;

    int run(RestoreCommand command, DatabaseConfig db, Instant at) {
        String database = command.database;
        if (toDir == null) {
            throw new picocli.CommandLine.ParameterException(command.spec.commandLine(), "restore --pitr needs --to-dir PGDATA (a new or empty directory for the restored data directory)");
        }
        int targets = (at != null ? 1 : 0) + (lsn != null ? 1 : 0) + (latest ? 1 : 0);
        if (targets != 1) {
            throw new picocli.CommandLine.ParameterException(command.spec.commandLine(), "restore --pitr needs exactly one of --at TIME, --lsn LSN or --latest");
        }
        if (start != (port != null)) {
            throw new picocli.CommandLine.ParameterException(command.spec.commandLine(), "--start and --port go together: --start --port P starts the restored server on port P");
        }
        RecoveryTarget target;
        try {
            target = at != null ? new RecoveryTarget.Time(at) : lsn != null ? new RecoveryTarget.Position(Lsn.parse(lsn)) : new RecoveryTarget.Latest();
        } catch (IllegalArgumentException e) {
            throw new UserFacingException("--lsn: " + e.getMessage());
        }
        PrintWriter out = command.out();
        try {
            var store = command.destinations.forDatabase(database);
            var identities = AgeKeys.identities(db, command.identities);
            Path config = command.config.path().toAbsolutePath();
            PitrRestorer.Request request = new PitrRestorer.Request(database, toDir.toAbsolutePath(), target, Optional.ofNullable(baseBackup),
                    RecoveryConfig.restoreCommand(lifeboatCommand, config, database), identities, List.of(),
                    Optional.ofNullable(port), List.of(), Optional.ofNullable(pgBin), "--pg-bin", db.timeout());
            PitrRestorer.Result r = new PitrRestorer(store).restore(request);
            out.printf("restored base backup %s of %s (consistent at %s, WAL from %s) into %s: %s, checksum verified, in %.1fs%n",
                    r.base().id(), database, r.base().consistentAt(), r.base().startLsn(), toDir, Databases.bytes(r.unpackedBytes()),
                    r.unpackTook().toMillis() / 1000.0);
            out.println("recovery settings added to postgresql.auto.conf (and recovery.signal written):");
            r.settings().forEach(line -> out.println("  " + line));
            if (r.server() != null) {
                out.printf("server started on port %d, recovered to %s and promoted in %.1fs%s, %d WAL files through the spool; "
                                + "it keeps running (stop: pg_ctl -D %s stop)%n",
                        port, target.describe(), r.recoveryTook().toMillis() / 1000.0,
                        r.lastReplayedTransaction().map(t -> " (last transaction replayed: " + t + ")").orElse(""), r.spooledWalFiles(), toDir);
            } else {
                String who = RecoveryServer.runningAsRoot() ? "runuser -u " + RecoveryServer.SERVER_OS_USER + " -- " : "";
                out.printf("to recover, start the server (PostgreSQL %s binaries) as its own user, who must be able to run '%s' and read %s:%n"
                        + "  %spg_ctl -D %s -l %s/recovery.log start%n"
                        + "it replays WAL up to %s, then promotes: %d WAL files are spooled in %s (checksum verified, deleted when recovery ends),%n"
                        + "the rest comes through lifeboat wal-fetch.%n",
                        r.base().serverVersion(), lifeboatCommand, config, who, toDir, toDir, target.describe(), r.spooledWalFiles(),
                        WalSpool.dir(toDir.toAbsolutePath()));
            }
            return 0;
        } catch (IOException e) {
            throw new UserFacingException("point-in-time restore of " + database + " failed: " + e.getMessage());
        }
    }

}
