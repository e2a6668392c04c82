package dev.lifeboat.postgres;

import dev.lifeboat.SearchPath;
import dev.lifeboat.UserFacingException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the PostgreSQL client programs (pg_dump, pg_restore) and picks the right major version for a server.
 * pg_dump refuses servers newer than itself, and pg_restore cannot read archives of a newer pg_dump, so the
 * choice is: the same major as the server when installed, else the oldest newer one. Candidates: an explicit
 * directory ({@code LIFEBOAT_PG_BIN}), then {@code PATH}, then Debian's {@code /usr/lib/postgresql/N/bin}.
 */
public final class PgTools {
    /** Environment variable naming a directory that holds pg_dump and pg_restore; searched first. */
    public static final String BIN_ENV = "LIFEBOAT_PG_BIN";
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

    /** One installed program and its version. */
    public record Tool(Path path, int major, String version) {
    }

    private final List<Path> directories;

    public PgTools(List<Path> directories) {
        this.directories = directories;
    }

    /** The usual search path: LIFEBOAT_PG_BIN, PATH, /usr/lib/postgresql/N/bin. */
    public static PgTools standard() {
        Set<Path> dirs = new LinkedHashSet<>();
        String explicit = System.getenv(BIN_ENV);
        if (explicit != null && !explicit.isBlank()) {
            dirs.add(Path.of(explicit));
        }
        dirs.addAll(SearchPath.directories(System.getenv("PATH")));
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (DirectoryStream<Path> versions = Files.newDirectoryStream(debian)) {
                versions.forEach(v -> dirs.add(v.resolve("bin")));
            } catch (IOException ignored) {
                // unreadable: not a candidate
            }
        }
        return new PgTools(List.copyOf(dirs));
    }

    /**
     * Every distinct installed version of {@code program} (by major; the first found of each major wins). Each
     * file is asked its version once, however many links lead to it; Debian's pg_wrapper is skipped, as the
     * versioned binaries it dispatches to are candidates themselves (and start without its Perl).
     */
    public List<Tool> installed(String program) {
        List<Tool> out = new ArrayList<>();
        Set<Integer> majors = new java.util.HashSet<>();
        Set<Path> seen = new java.util.HashSet<>();
        for (Path dir : directories) {
            Path candidate = dir.resolve(program);
            if (Files.isExecutable(candidate) && seen.add(realPath(candidate)) && !isDebianWrapper(candidate)) {
                version(candidate).filter(t -> majors.add(t.major())).ifPresent(out::add);
            }
        }
        out.sort(Comparator.comparingInt(Tool::major));
        return out;
    }

    /**
     * The {@code program} to use against a server (or archive) of major version {@code serverMajor}; a
     * {@link UserFacingException} naming both versions and the fix when none is new enough.
     */
    public Tool forServer(String program, int serverMajor, String serverVersion) {
        List<Tool> tools = installed(program);
        if (tools.isEmpty()) {
            throw new UserFacingException(program + " not found (searched " + BIN_ENV + ", PATH and /usr/lib/postgresql/*/bin); "
                    + "install the PostgreSQL " + serverMajor + " client (Debian: apt-get install postgresql-client-" + serverMajor + ")");
        }
        for (Tool t : tools) {
            if (t.major() >= serverMajor) {
                return t;
            }
        }
        Tool newest = tools.getLast();
        throw new UserFacingException(program + " " + newest.version() + " (" + newest.path() + ") is older than the server's PostgreSQL "
                + serverVersion + ": " + program + " " + newest.major() + " cannot handle a PostgreSQL " + serverMajor
                + " server. Install the PostgreSQL " + serverMajor + " client (Debian: apt-get install postgresql-client-" + serverMajor
                + " from the PostgreSQL apt repository) or point " + BIN_ENV + " at a directory holding pg_dump " + serverMajor + " or newer");
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static boolean isDebianWrapper(Path p) {
        return realPath(p).getFileName().toString().equals("pg_wrapper");
    }

    /** Runs {@code program --version}. */
    static Optional<Tool> version(Path program) {
        try {
            Process p = new ProcessBuilder(program.toString(), "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.empty();
            }
            Matcher m = VERSION.matcher(out);
            if (!m.find()) {
                return Optional.empty();
            }
            String version = m.group(1) + (m.group(2) != null ? "." + m.group(2) : "");
            return Optional.of(new Tool(program, Integer.parseInt(m.group(1)), version));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Major version of a version string such as {@code 15.18} or {@code 17.2 (Debian ...)}. */
    public static int major(String version) {
        Matcher m = Pattern.compile("^(\\d+)").matcher(version.trim());
        if (!m.find()) {
            throw new IllegalArgumentException("not a PostgreSQL version: " + version);
        }
        return Integer.parseInt(m.group(1));
    }
}
