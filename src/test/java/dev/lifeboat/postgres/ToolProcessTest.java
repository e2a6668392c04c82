package dev.lifeboat.postgres;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tool piped into a filter (as pg_dump into zstd), with real processes standing in for both. */
class ToolProcessTest {
    private static final PgUrl URL = PgUrl.parse("postgres://u:secret-pw@127.0.0.1:1/db");

    @Test
    void theCallerReadsTheFilteredOutputAndTheFilterReportIsKept() throws Exception {
        try (ToolProcess p = ToolProcess.startFiltered("pg_dump", List.of("printf", "abc"),
                List.of("sh", "-c", "tr a-z A-Z; echo 'filtered 3 bytes' >&2"), URL, Duration.ofMinutes(1))) {
            assertEquals("ABC", new String(p.stdout().readAllBytes()));
            p.awaitSuccess();
            assertEquals("filtered 3 bytes", p.filterStderr());
        }
    }

    @Test
    void aFilterThatDiesIsTheReasonGivenNotTheToolsBrokenPipe() throws Exception {
        try (ToolProcess p = ToolProcess.startFiltered("pg_dump", List.of("sh", "-c", "yes 0123456789 | head -c 50000000"),
                List.of("sh", "-c", "head -c 10 > /dev/null; echo 'zstd: out of memory' >&2; exit 3"), URL, Duration.ofMinutes(1))) {
            p.stdout().readAllBytes();
            IOException e = assertThrows(IOException.class, p::awaitSuccess);
            assertTrue(e.getMessage().contains("exited with code 3: zstd: out of memory"), e.getMessage());
        }
    }

    @Test
    void behindAFilterTheToolsFailureIsTheReasonGiven() throws Exception {
        // As zstd -d | pg_restore: the tool quits, the filter then dies on a broken pipe; the tool is the cause.
        try (ToolProcess p = ToolProcess.startBehindFilter("pg_restore", List.of("cat"),
                List.of("sh", "-c", "head -c 10 > /dev/null; echo 'pg_restore: error: bad archive' >&2; exit 1"), URL, Duration.ofMinutes(1))) {
            try (var in = p.stdin()) {
                for (int i = 0; i < 2000; i++) {
                    in.write(new byte[64 * 1024]);
                }
            } catch (IOException brokenPipe) {
                // expected once the tool is gone
            }
            IOException e = assertThrows(IOException.class, p::awaitSuccess);
            assertTrue(e.getMessage().startsWith("pg_restore exited with code 1: pg_restore: error: bad archive"), e.getMessage());
        }
    }

    @Test
    void theTimeoutKillsTheToolAndSaysSo() throws Exception {
        try (ToolProcess p = ToolProcess.startFiltered("pg_dump", List.of("sleep", "60"), List.of("cat"), URL, Duration.ofMillis(300))) {
            assertEquals(0, p.stdout().readAllBytes().length, "the filter ends when the killed tool's pipe closes");
            IOException e = assertThrows(IOException.class, p::awaitSuccess);
            assertTrue(e.getMessage().contains("pg_dump killed after the timeout of PT0.3S"), e.getMessage());
        }
    }
}
