package dev.lifeboat;

/**
 * A failure whose message is complete for a user (what happened and what to do), printed without a stack trace.
 * Messages must never contain secrets.
 */
public class UserFacingException extends RuntimeException {
    private final int exitCode;

    public UserFacingException(String message) {
        this(message, 1, null);
    }

    public UserFacingException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
