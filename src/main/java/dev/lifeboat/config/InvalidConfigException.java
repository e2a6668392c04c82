package dev.lifeboat.config;

import dev.lifeboat.UserFacingException;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A configuration that cannot be used; carries every problem found, not just the first. Exits with the usage code. */
public class InvalidConfigException extends UserFacingException {
    private final Path file;
    private final List<ConfigProblem> problems;

    public InvalidConfigException(Path file, List<ConfigProblem> problems) {
        this(file, problems, null);
    }

    /** {@code hint}: what to do about the problems as a whole (which file to read), or null. */
    public InvalidConfigException(Path file, List<ConfigProblem> problems, String hint) {
        super(render(file, problems), hint, EXIT_USAGE, null);
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    public Path file() {
        return file;
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String render(Path file, List<ConfigProblem> problems) {
        return "invalid configuration " + file + " (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n"));
    }
}
