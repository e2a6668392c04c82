package dev.lifeboat.cli;

import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.TestConfigs;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lifeboat health} against a real server: the figures once, exit 0/1/2 for ok/warning/critical. */
@QuarkusMainTest
class HealthCommandTest {
    private static final String SECRET = "pa55w0rd-in-a-literal";

    @Test
    void printsTheFiguresAndExitsByTheWorstFiringRule(QuarkusMainLauncher launcher) throws Exception {
        try (PostgresServer pg = PostgresServer.start()) {
            pg.createDatabase("shop");
            Path dir = Files.createTempDirectory("lifeboat-health-cli");
            Path file = TestConfigs.write(dir, """
                    destinations: {local: {url: "file://%s/replica"}}
                    databases:
                      shop:
                        type: postgres
                        url: "%s"
                        destination: local
                        health: {idle-in-transaction: 1s, long-transaction: 1h}
                      gone:
                        type: postgres
                        url: "postgres://postgres@127.0.0.1:1/nothing"
                        destination: local
                    """.formatted(dir, pg.url("shop")));
            LaunchResult ok = launcher.launch("health", "shop", "--config", file.toString());
            assertEquals(0, ok.exitCode(), ok.getOutput() + ok.getErrorOutput());
            assertTrue(ok.getOutput().contains("OK       shop") && ok.getOutput().contains("connections  ")
                    && ok.getOutput().contains("max_connections 100"), ok.getOutput());

            try (Connection c = pg.connect("shop")) {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT '" + SECRET + "'");
                }
                Thread.sleep(1500); // the transaction must be idle for longer than the 1s limit
                LaunchResult warn = launcher.launch("health", "shop", "--json", "--config", file.toString());
                assertEquals(1, warn.exitCode(), warn.getOutput() + warn.getErrorOutput());
                assertTrue(warn.getOutput().contains("\"rule\" : \"pg-idle-in-transaction\"") && warn.getOutput().contains("\"status\" : \"warning\""),
                        warn.getOutput());
                assertFalse(warn.getOutput().contains(SECRET), warn.getOutput());
            }

            LaunchResult down = launcher.launch("health", "--config", file.toString());
            assertEquals(2, down.exitCode(), "an unreachable server is critical: " + down.getOutput());
            assertTrue(down.getOutput().contains("CRITICAL gone") && down.getOutput().contains("cannot read health figures"), down.getOutput());
        }
    }
}
