package dev.lifeboat;

import dev.lifeboat.config.InvalidConfigException;
import picocli.CommandLine;

/**
 * Turns a user's mistake into a message and an exit code instead of a stack trace. Exit codes:
 * 0 ok, 1 the operation failed, 2 bad configuration or usage.
 */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (e instanceof InvalidConfigException invalid) {
            cmd.getErr().println("lifeboat: " + invalid.getMessage());
            return EXIT_USAGE;
        }
        if (e instanceof UserFacingException userFacing) {
            cmd.getErr().println("lifeboat: " + userFacing.getMessage());
            return userFacing.exitCode();
        }
        cmd.getErr().println("lifeboat: " + e);
        e.printStackTrace(cmd.getErr());
        return EXIT_FAILED;
    }
}
