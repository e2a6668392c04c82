package dev.lifeboat.testing;

import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fault proxy between Lifeboat's own S3Store and a real S3Proxy, and between JDBC and a real PostgreSQL. */
class FaultProxyTest {
    static S3ProxyServer s3;
    static FaultProxy proxy;
    static ObjectStore store;

    @BeforeAll
    static void start() throws IOException {
        s3 = S3ProxyServer.start();
        s3.createBucket("faults");
        proxy = FaultProxy.http("127.0.0.1", s3.port());
        String yaml = "destinations:\n" + s3.destinationYaml("s3", "faults", "through-proxy").replace(s3.endpoint(), proxy.endpoint())
                + "    part-size: 5MiB\n";
        store = ObjectStores.open(TestConfigs.parse(yaml).destinations().get("s3"));
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @AfterEach
    void backToPass() {
        proxy.pass();
    }

    private static byte[] read(String key) throws IOException {
        try (InputStream in = store.get(key)) {
            return in.readAllBytes();
        }
    }

    @Test
    void passRoundTripsSmallAndMultipartObjects() throws IOException {
        long seenBefore = proxy.requestsSeen();
        long failedBefore = proxy.requestsFailed();
        byte[] small = "hello through the proxy".getBytes(StandardCharsets.UTF_8);
        store.putBytes("pass/small", small);
        assertArrayEquals(small, read("pass/small"));

        byte[] big = new byte[12 * 1024 * 1024 + 123]; // three parts of 5 MiB
        new Random(15).nextBytes(big);
        store.putBytes("pass/big", big);
        assertArrayEquals(big, read("pass/big"));
        assertEquals(big.length, store.stat("pass/big").orElseThrow().size());
        assertTrue(proxy.requestsSeen() - seenBefore >= 6, "requests seen: " + (proxy.requestsSeen() - seenBefore));
        assertEquals(failedBefore, proxy.requestsFailed());
    }

    @Test
    void aPartUploadWaitingFor100ContinueGetsItsAnswerWithinAShortRequestTimeout() throws IOException {
        // The SDK sends parts with "Expect: 100-continue": the proxy must pass the head on before the body comes.
        String yaml = "destinations:\n" + s3.destinationYaml("s3", "faults", "continue").replace(s3.endpoint(), proxy.endpoint())
                + "    part-size: 5MiB\n    request-timeout: 2s\n";
        try (ObjectStore quick = ObjectStores.open(TestConfigs.parse(yaml).destinations().get("s3"))) {
            byte[] big = new byte[6 * 1024 * 1024];
            new Random(16).nextBytes(big);
            quick.putBytes("parts", big);
            assertEquals(big.length, quick.stat("parts").orElseThrow().size());
        }
    }

    @Test
    void latencyStillRoundTrips() throws IOException {
        proxy.latency(Duration.ofMillis(20));
        store.putBytes("latency/x", new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, read("latency/x"));
    }

    @Test
    void everyRequestAnswered503MakesAPutFailNamingTheStoreAfterRetries() {
        proxy.httpErrors(503, 1.0);
        long failedBefore = proxy.requestsFailed();
        IOException e = assertThrows(IOException.class, () -> store.putBytes("throttled/x", new byte[] {1}));
        assertTrue(e.getMessage().contains(store.describe()), e.getMessage());
        assertTrue(e.getMessage().contains("SlowDown (HTTP 503)"), e.getMessage());
        assertTrue(proxy.requestsFailed() - failedBefore >= 2, "the SDK retries a 503: " + (proxy.requestsFailed() - failedBefore));
    }

    @Test
    void internalErrorsAreWellFormedS3Errors() {
        proxy.httpErrors(500, 1.0);
        IOException e = assertThrows(IOException.class, () -> store.putBytes("broken/x", new byte[] {1}));
        assertTrue(e.getMessage().contains("InternalError (HTTP 500)"), e.getMessage());
    }

    @Test
    void anErrorAnswerConsumesAChunkedOrSizedBodyAndKeepsTheConnection() throws IOException {
        proxy.httpErrors(503, 1.0);
        long failedBefore = proxy.requestsFailed();
        try (Socket raw = new Socket("127.0.0.1", proxy.port())) {
            raw.setSoTimeout(30_000);
            var out = raw.getOutputStream();
            out.write(("PUT /faults/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;ext=1\r\nhello\r\n3\r\n\r\n\n\r\n0\r\nTrailer: t\r\n\r\n"
                    + "PUT /faults/sized HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nGET "
                    + "HEAD /faults/sized HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = raw.getInputStream();
            String first = response(in, true);
            assertTrue(first.startsWith("HTTP/1.1 503 ") && first.contains("<Code>SlowDown</Code>"), first);
            assertTrue(first.contains("Connection: keep-alive"), first);
            assertTrue(response(in, true).contains("<Code>SlowDown</Code>"));
            assertTrue(response(in, false).startsWith("HTTP/1.1 503 "));
            raw.setSoTimeout(500);
            assertThrows(SocketTimeoutException.class, in::read, "the answer to a HEAD has no body");
        }
        assertEquals(3, proxy.requestsFailed() - failedBefore);
    }

    /** One response: its head and, when it has one, its Content-Length body. */
    private static String response(InputStream in, boolean withBody) throws IOException {
        StringBuilder text = new StringBuilder();
        while (!text.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + text);
            }
            text.append((char) b);
        }
        var length = java.util.regex.Pattern.compile("Content-Length: (\\d+)").matcher(text);
        if (withBody && length.find()) {
            text.append(new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8));
        }
        return text.toString();
    }

    @Test
    void aThirdOf503sIsAbsorbedByRetries() throws IOException {
        proxy.httpErrors(503, 1.0 / 3);
        long failedBefore = proxy.requestsFailed();
        for (int i = 0; i < 6; i++) {
            byte[] content = ("object " + i).getBytes(StandardCharsets.UTF_8);
            store.putBytes("third/" + i, content);
            assertArrayEquals(content, read("third/" + i));
        }
        assertTrue(proxy.requestsFailed() - failedBefore >= 3, "failed: " + (proxy.requestsFailed() - failedBefore));
        proxy.pass();
        assertEquals(6, store.list("third/").size());
    }

    @Test
    void resetMakesCallsFailAndPassRecovers() throws IOException {
        store.putBytes("reset/before", new byte[] {9}); // leaves a keep-alive connection open
        proxy.reset();
        IOException e = assertThrows(IOException.class, () -> store.putBytes("reset/during", new byte[] {1}));
        assertTrue(e.getMessage().contains(store.describe()), e.getMessage());
        assertTrue(proxy.connectionsReset() > 0);
        proxy.pass();
        store.putBytes("reset/after", new byte[] {2});
        assertArrayEquals(new byte[] {2}, read("reset/after"));
        assertArrayEquals(new byte[] {9}, read("reset/before"));
    }

    @Test
    void blackholeAnswersNothingUntilPassReleasesTheRequest() throws IOException {
        proxy.blackhole();
        try (Socket raw = new Socket("127.0.0.1", proxy.port())) {
            raw.getOutputStream().write(("HEAD /faults/ HTTP/1.1\r\nHost: 127.0.0.1:" + proxy.port() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            raw.setSoTimeout(500);
            assertThrows(SocketTimeoutException.class, () -> raw.getInputStream().read());
            assertTrue(!raw.isClosed() && raw.isConnected());

            proxy.pass(); // what the black hole held is delivered, as TCP retransmission would
            raw.setSoTimeout(30_000);
            String status = new String(raw.getInputStream().readNBytes(8), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1", status);
        }
        store.putBytes("blackhole/after", new byte[] {3});
        assertArrayEquals(new byte[] {3}, read("blackhole/after"));
    }

    @Test
    void postgresWorksThroughTheProxyAndResetBreaksAnOpenConnection() throws SQLException {
        try (PostgresServer pg = PostgresServer.start(); FaultProxy pgProxy = FaultProxy.tcp("127.0.0.1", pg.port())) {
            String url = "jdbc:postgresql://127.0.0.1:" + pgProxy.port() + "/postgres?user=postgres";
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                assertEquals(1, one(st));
                pgProxy.reset();
                assertEquals(1, pgProxy.connectionsReset(), "the open connection is reset at once, idle or not");
                assertThrows(SQLException.class, () -> one(st));
                assertThrows(SQLException.class, () -> DriverManager.getConnection(url).close());
            }
            pgProxy.pass();
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                assertEquals(1, one(st));
            }
            assertEquals(2, pgProxy.connectionsReset(), "the open connection and the new one");
        }
    }

    private static int one(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
