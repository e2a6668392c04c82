package dev.lifeboat.pitr;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an unpacked base backup into a data directory that starts in targeted recovery (PostgreSQL 12+):
 * {@code recovery.signal}, and in {@code postgresql.auto.conf} (which wins over postgresql.conf) a
 * {@code restore_command} that runs {@code lifeboat wal-fetch}, the target, {@code recovery_target_action = promote}
 * and {@code recovery_target_timeline = latest}. Both files are written to a temporary name, fsynced and renamed.
 */
public final class RecoveryConfig {
    private RecoveryConfig() {
    }

    /**
     * {@code CMD wal-fetch %f %p --config FILE --database DB --abort-recovery-on-error}: a damaged object or an
     * unreachable store then stops recovery with an error (exit 129) instead of ending it early at that point as if
     * the archive ended there.
     */
    public static String restoreCommand(String lifeboatCommand, Path configFile, String database) {
        return lifeboatCommand + " wal-fetch %f %p --config " + shellQuote(configFile.toAbsolutePath().toString())
                + " --database " + shellQuote(database) + " --abort-recovery-on-error";
    }

    /**
     * Writes the recovery settings; {@code extra} are further settings lines ({@code archive_mode = off} for drills).
     * Returns the lines added.
     */
    public static List<String> write(Path dataDir, String restoreCommand, RecoveryTarget target, String why, List<String> extra) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# " + why);
        lines.add("restore_command = " + confQuote(restoreCommand));
        if (target.setting() != null) {
            lines.add(target.setting());
            lines.add("recovery_target_action = 'promote'");
        }
        lines.add("recovery_target_timeline = 'latest'");
        lines.addAll(extra);
        Path auto = dataDir.resolve("postgresql.auto.conf");
        String existing = Files.exists(auto) ? Files.readString(auto, StandardCharsets.UTF_8) : "";
        if (!existing.isEmpty() && !existing.endsWith("\n")) {
            existing += "\n";
        }
        replace(auto, existing + String.join("\n", lines) + "\n");
        replace(dataDir.resolve("recovery.signal"), "");
        BaseBackupUnpacker.fsync(dataDir);
        return lines;
    }

    private static void replace(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".lifeboat-tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** A postgresql.conf string literal. */
    static String confQuote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** A POSIX shell word (restore_command runs through /bin/sh). */
    static String shellQuote(String word) {
        return word.matches("[A-Za-z0-9_@%+=:,./-]+") ? word : "'" + word.replace("'", "'\"'\"'") + "'";
    }
}
