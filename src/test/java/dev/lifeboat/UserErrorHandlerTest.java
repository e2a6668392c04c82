package dev.lifeboat;

import dev.lifeboat.config.ConfigProblem;
import dev.lifeboat.config.InvalidConfigException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user sees when a command fails: the message, the hint on a line of its own, the exit code. */
class UserErrorHandlerTest {

    @CommandLine.Command(name = "failing")
    static final class Failing implements Callable<Integer> {
        private final RuntimeException failure;

        Failing(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        public Integer call() {
            throw failure;
        }
    }

    private record Run(int exitCode, String err) {
    }

    private static Run run(RuntimeException failure) {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Failing(failure)).setExecutionExceptionHandler(new UserErrorHandler());
        cmd.setErr(new PrintWriter(err, true));
        return new Run(cmd.execute(), err.toString().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void theHintFollowsTheMessageOnItsOwnLine() {
        Run r = run(new UserFacingException("no backup 42 of shop", "lifeboat list shop shows the backups there are"));
        assertEquals("lifeboat: no backup 42 of shop\nhint: lifeboat list shop shows the backups there are\n", r.err());
        assertEquals(1, r.exitCode());
    }

    @Test
    void anErrorWithoutHintPrintsOneLine() {
        Run r = run(new UserFacingException("lifeboat prune is not yet supported for sqlite databases"));
        assertEquals("lifeboat: lifeboat prune is not yet supported for sqlite databases\n", r.err());
        assertFalse(r.err().contains("hint:"));
    }

    @Test
    void anInvalidConfigurationExitsTwoWithItsHint() {
        Run r = run(new InvalidConfigException(Path.of("/etc/lifeboat.yml"),
                List.of(new ConfigProblem("", "file not found: /etc/lifeboat.yml")), "pass --config FILE or set LIFEBOAT_CONFIG"));
        assertEquals(2, r.exitCode());
        assertEquals("lifeboat: invalid configuration /etc/lifeboat.yml (1 problem):\n  - file not found: /etc/lifeboat.yml\n"
                + "hint: pass --config FILE or set LIFEBOAT_CONFIG\n", r.err());
    }

    @Test
    void anUnexpectedFailureKeepsItsStackTrace() {
        Run r = run(new IllegalStateException("bug"));
        assertEquals(1, r.exitCode());
        assertFalse(r.err().contains("hint:"));
        assertTrue(r.err().contains("\tat "), r.err());
    }
}
