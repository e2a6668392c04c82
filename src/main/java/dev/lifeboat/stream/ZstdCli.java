package dev.lifeboat.stream;

import dev.lifeboat.SearchPath;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code zstd} program, used as the compression stage of pg_dump backups when it is installed (it is in the
 * Docker image): pg_dump's output goes through a kernel pipe straight into it, so raw bytes never pass through the
 * JVM; restores likewise pipe {@code zstd -d} into pg_restore. Against aircompressor's pure-Java encoder this saves more than a CPU-second per GB dumped and stores about
 * 40% fewer bytes (bench/pg-backup.sh, bench/stream-stages.sh). The format is the same either way (zstd frames
 * with a content checksum), so restores never care which wrote it.
 *
 * <p>The raw byte count a manifest records comes from zstd's own report ({@code -vv}), accepted only when the
 * compressed count in it equals the bytes the backup actually received.
 */
public final class ZstdCli {
    /** Environment variable naming the zstd program; {@code none} makes backups compress in pure Java. */
    public static final String BINARY_ENV = "LIFEBOAT_ZSTD";
    /** "(  1236 B =>    572 B, /*stdout*\)" in zstd 1.5, "(1236 => 572 bytes, ...)" before; exact counts at -vv. */
    private static final Pattern REPORT = Pattern.compile("\\(\\s*(\\d+) (?:B )?=>\\s*(\\d+) (?:B|bytes),");
    private static final Optional<Path> INSTALLED = find(System.getenv(BINARY_ENV), System.getenv("PATH"));

    private ZstdCli() {
    }

    /** The zstd program to use, if one is installed and not disabled by {@code LIFEBOAT_ZSTD=none}. */
    public static Optional<Path> installed() {
        return INSTALLED;
    }

    static Optional<Path> find(String explicit, String path) {
        if (explicit != null && !explicit.isBlank()) {
            return explicit.equals("none") ? Optional.empty() : Optional.of(Path.of(explicit)).filter(Files::isExecutable);
        }
        return SearchPath.directories(path).stream().map(dir -> dir.resolve("zstd")).filter(Files::isExecutable).findFirst();
    }

    /** Compresses stdin to stdout at level 3 (the CLI's default, what the pure-Java encoder approximates). */
    public static List<String> compressCommand(Path zstd) {
        return List.of(zstd.toString(), "-3", "-vv", "-c");
    }

    /** Decompresses stdin to stdout. */
    public static List<String> decompressCommand(Path zstd) {
        return List.of(zstd.toString(), "-d", "-q", "-c");
    }

    /**
     * The input byte count from zstd's {@code -vv} report on stderr, if the report's output count is
     * {@code outputBytes}; empty when the report is missing or disagrees.
     */
    public static OptionalLong inputBytes(String stderr, long outputBytes) {
        Matcher m = REPORT.matcher(stderr);
        OptionalLong found = OptionalLong.empty();
        while (m.find()) {
            found = Long.parseLong(m.group(2)) == outputBytes ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
        }
        return found;
    }
}
