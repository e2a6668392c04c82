package dev.lifeboat;

import picocli.CommandLine;

/**
 * Turns a user's mistake into a message, its hint on a line of its own, and an exit code instead of a stack trace.
 * Exit codes: 0 ok, {@value UserFacingException#EXIT_FAILED} the operation failed, {@value UserFacingException#EXIT_USAGE}
 * bad configuration or usage.
 */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (e instanceof UserFacingException userFacing) {
            cmd.getErr().println("lifeboat: " + userFacing.getMessage());
            userFacing.hint().ifPresent(hint -> cmd.getErr().println("hint: " + hint));
            return userFacing.exitCode();
        }
        cmd.getErr().println("lifeboat: " + e);
        e.printStackTrace(cmd.getErr());
        return UserFacingException.EXIT_FAILED;
    }
}
