package dev.lifeboat;

import java.util.Optional;

/**
 * A failure a user can cause or fix, printed without a stack trace. Messages and hints never contain secrets.
 *
 * <p>The rule: the <em>message</em> says what went wrong and where (the key, the file, the backup) and nothing more,
 * so logs, status and alerts can quote it as one fact. Advice on what to do next goes in the <em>hint</em>, never
 * appended to the message ({@code "...; try ..."}, {@code "(pass ...)"}). The command line prints the hint on its
 * own line after the message, as {@code hint: ...} (pgBackRest's {@code HINT:}, Litestream's "Try:"). Give a hint
 * only when there is a concrete next step: a flag to pass, a command to run, a setting to change.
 */
public class UserFacingException extends RuntimeException {
    /** Exit code of a failed operation. */
    public static final int EXIT_FAILED = 1;
    /** Exit code of a bad configuration or command line. */
    public static final int EXIT_USAGE = 2;

    private final int exitCode;
    private final String hint;

    public UserFacingException(String message) {
        this(message, null, EXIT_FAILED, null);
    }

    /** {@code hint}: what the user can do next, or null when there is nothing to suggest. */
    public UserFacingException(String message, String hint) {
        this(message, hint, EXIT_FAILED, null);
    }

    public UserFacingException(String message, int exitCode, Throwable cause) {
        this(message, null, exitCode, cause);
    }

    public UserFacingException(String message, String hint, int exitCode, Throwable cause) {
        super(message, cause);
        this.hint = hint;
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** What the user can do next, printed on its own line after the message. */
    public Optional<String> hint() {
        return Optional.ofNullable(hint);
    }
}
