package dev.lifeboat.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fault-injecting TCP proxy on a free loopback port, forwarding to a target (S3Proxy, PostgreSQL), that a test
 * switches at runtime: {@link #pass()}, {@link #latency}, {@link #reset()}, {@link #blackhole()} and, for an
 * {@link #http} proxy, {@link #httpErrors}.
 *
 * <ul>
 *   <li><b>latency</b>: sleeps before forwarding each HTTP request, or each chunk read in either direction (TCP).</li>
 *   <li><b>reset</b>: sends a TCP RST (SO_LINGER 0) on every open connection, both sides, and on every new one right
 *       after accept.</li>
 *   <li><b>blackhole</b>: accepts, then forwards nothing and closes nothing, like a route dropping packets. What was
 *       held is forwarded once the proxy leaves the black hole, as TCP retransmission would deliver it.</li>
 *   <li><b>blackholeAt(text)</b>: passes until an HTTP request whose request line contains {@code text} arrives,
 *       then black-holes from that request on: an outage that begins at a chosen point of a client's work (the
 *       second part of a multipart upload, say).</li>
 *   <li><b>httpErrors(status, share)</b>: answers that share of HTTP requests itself with a well-formed S3 XML error
 *       ({@code 503 SlowDown}, {@code 500 InternalError}) instead of forwarding them. The share is spread evenly and
 *       deterministically (1/3 fails every third request), so a client retry after a failure succeeds. The request
 *       body is read and discarded and the connection stays usable; a request that waits for
 *       {@code 100-continue} has not sent its body, so it gets the error with {@code Connection: close}.</li>
 * </ul>
 *
 * <p>An HTTP proxy frames requests ({@link HttpRequest}: request line, headers, a {@code Content-Length} or
 * {@code chunked} body) so that faults apply per request on keep-alive connections; responses are copied as bytes.
 * A client sends one request at a time on a connection (HTTP/1.1 without pipelining, as the SDK's URL-connection
 * client does), so an injected answer never interleaves with a forwarded one. One virtual thread per direction per connection; {@link #close()} ends all.
 */
public final class FaultProxy implements AutoCloseable {
    private enum Kind { PASS, LATENCY, RESET, BLACKHOLE, HTTP_ERROR }

    private record Fault(Kind kind, long latencyMillis, int status, double share) {
    }

    private static final Fault PASS = new Fault(Kind.PASS, 0, 0, 0);

    private final boolean http;
    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("fault-proxy-", 0).factory());
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final ReentrantLock modeLock = new ReentrantLock();
    private final Condition modeChanged = modeLock.newCondition();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong errorSequence = new AtomicLong();
    private volatile Fault fault = PASS;
    /** Request-line text that starts a black hole when seen ({@link #blackholeAt}); null when none is armed. */
    private volatile String blackholeTrigger;
    private volatile boolean triggered;
    private volatile boolean closed;

    private FaultProxy(boolean http, String targetHost, int targetPort) throws IOException {
        this.http = http;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    /** A proxy that understands HTTP/1.1 requests (for S3Proxy), so it can also answer errors itself. */
    public static FaultProxy http(String host, int port) {
        return open(true, host, port);
    }

    /** A proxy of raw bytes (for PostgreSQL). */
    public static FaultProxy tcp(String host, int port) {
        return open(false, host, port);
    }

    private static FaultProxy open(boolean http, String host, int port) {
        try {
            return new FaultProxy(http, host, port);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a fault proxy: " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT}, to use as a destination's endpoint. */
    public String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    /** Forwards everything unchanged (and releases what a black hole held). */
    public void pass() {
        switchTo(PASS);
    }

    /** Adds {@code delay} before each forwarded request (HTTP) or chunk (TCP). */
    public void latency(Duration delay) {
        switchTo(new Fault(Kind.LATENCY, delay.toMillis(), 0, 0));
    }

    /** Resets every open connection now, and each new one at accept, until switched again. */
    public void reset() {
        switchTo(new Fault(Kind.RESET, 0, 0, 0));
        links.forEach(Link::reset);
    }

    /** Accepts connections and requests but answers nothing and closes nothing, until switched again. */
    public void blackhole() {
        switchTo(new Fault(Kind.BLACKHOLE, 0, 0, 0));
    }

    /**
     * Passes now; from the first HTTP request whose request line ({@code PUT /bucket/key?partNumber=2&... HTTP/1.1})
     * contains {@code text} on, black-holes (that request included) until switched again.
     */
    public void blackholeAt(String text) {
        if (!http) {
            throw new IllegalStateException("a request trigger needs a proxy made by FaultProxy.http");
        }
        triggered = false;
        blackholeTrigger = text;
        pass();
    }

    /** Whether the request {@link #blackholeAt} waits for has arrived (and the black hole begun). */
    public boolean blackholeTriggered() {
        return triggered;
    }

    /** Answers {@code share} (0..1) of requests with {@code status}: 503 ({@code SlowDown}) or 500 ({@code InternalError}). */
    public void httpErrors(int status, double share) {
        if (!http) {
            throw new IllegalStateException("HTTP errors need a proxy made by FaultProxy.http");
        }
        if (status != 503 && status != 500 || share < 0 || share > 1) {
            throw new IllegalArgumentException("status must be 503 or 500 and share within 0..1: " + status + ", " + share);
        }
        errorSequence.set(0);
        switchTo(new Fault(Kind.HTTP_ERROR, 0, status, share));
    }

    /** HTTP requests read from clients (forwarded or answered by the proxy). */
    public long requestsSeen() {
        return requests.get();
    }

    /** HTTP requests the proxy answered with an injected error. */
    public long requestsFailed() {
        return failed.get();
    }

    public long connectionsAccepted() {
        return accepted.get();
    }

    /** Connections ended with a TCP RST by {@link #reset()} (open ones, and new ones at accept). */
    public long connectionsReset() {
        return resets.get();
    }

    private void switchTo(Fault next) {
        modeLock.lock();
        try {
            fault = next;
            modeChanged.signalAll();
        } finally {
            modeLock.unlock();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                accepted.incrementAndGet();
                threads.submit(() -> serve(new Link(client)));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Link link) {
        links.add(link);
        try {
            gate(link);
            link.upstream = new Socket(targetHost, targetPort);
            link.upstream.setTcpNoDelay(true);
            link.client.setTcpNoDelay(true);
            InputStream fromUpstream = link.upstream.getInputStream();
            threads.submit(() -> pump(fromUpstream, link, false));
            if (http) {
                forwardRequests(link);
            } else {
                pump(link.client.getInputStream(), link, true);
            }
        } catch (IOException | InterruptedException e) {
            // a reset, a closed peer or the proxy closing: the link ends
        } finally {
            link.close();
        }
    }

    /** Applies the current fault before something is forwarded: waits out a black hole, resets, or sleeps. */
    private Fault gate(Link link) throws IOException, InterruptedException {
        Fault f;
        modeLock.lock();
        try {
            while ((f = fault).kind == Kind.BLACKHOLE && !closed) {
                modeChanged.await();
            }
        } finally {
            modeLock.unlock();
        }
        if (closed) {
            throw new SocketException("fault proxy closed");
        }
        if (f.kind == Kind.RESET) {
            link.reset();
            throw new SocketException("reset by fault proxy");
        }
        if (f.kind == Kind.LATENCY) {
            Thread.sleep(f.latencyMillis);
        }
        return f;
    }

    /** Copies bytes one way until end of stream; {@code toUpstream} chooses the direction. */
    private void pump(InputStream in, Link link, boolean toUpstream) {
        byte[] buffer = new byte[64 * 1024];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (!http || toUpstream) {
                    gate(link); // an HTTP response is released as a whole: its request already passed the gate
                } else if (fault.kind == Kind.BLACKHOLE) {
                    gate(link);
                }
                if (toUpstream) {
                    link.upstream.getOutputStream().write(buffer, 0, n);
                } else {
                    link.toClient(buffer, n);
                }
            }
        } catch (IOException | InterruptedException e) {
            // the link ends
        } finally {
            link.close();
        }
    }

    private void forwardRequests(Link link) throws IOException, InterruptedException {
        InputStream in = new BufferedInputStream(link.client.getInputStream());
        OutputStream up = new BufferedOutputStream(link.upstream.getOutputStream());
        byte[] head;
        while ((head = HttpRequest.readHead(in)) != null) {
            requests.incrementAndGet();
            String trigger = blackholeTrigger;
            if (trigger != null && requestLine(head).contains(trigger)) {
                blackholeTrigger = null;
                blackhole();
                triggered = true;
            }
            Fault f = gate(link);
            HttpRequest request = HttpRequest.parse(head);
            if (f.kind == Kind.HTTP_ERROR && takesError(f.share)) {
                failed.incrementAndGet();
                if (!request.expectsContinue()) {
                    request.copyBody(in, OutputStream.nullOutputStream());
                }
                byte[] answer = request.s3Error(f.status, request.expectsContinue());
                link.toClient(answer, answer.length);
                if (request.expectsContinue()) {
                    return;
                }
                continue;
            }
            up.write(head);
            if (request.expectsContinue()) {
                up.flush(); // the client sends the body only after the server's 100 Continue
            }
            request.copyBody(in, up);
            up.flush();
        }
    }

    private static String requestLine(byte[] head) {
        String text = new String(head, 0, Math.min(head.length, 8192), java.nio.charset.StandardCharsets.ISO_8859_1);
        int end = text.indexOf('\r');
        return end < 0 ? text : text.substring(0, end);
    }

    /** True for the n-th request of an error phase when it crosses a multiple of 1/share: an even, repeatable spread. */
    private boolean takesError(double share) {
        long n = errorSequence.incrementAndGet();
        return Math.floor(n * share + 1e-9) > Math.floor((n - 1) * share + 1e-9);
    }

    /** One client connection and its upstream connection. */
    private final class Link {
        final Socket client;
        volatile Socket upstream;
        private final ReentrantLock clientWrites = new ReentrantLock();

        Link(Socket client) {
            this.client = client;
        }

        void toClient(byte[] bytes, int length) throws IOException {
            clientWrites.lock();
            try {
                client.getOutputStream().write(bytes, 0, length);
            } finally {
                clientWrites.unlock();
            }
        }

        void reset() {
            if (!client.isClosed()) {
                resets.incrementAndGet();
            }
            abort(client);
            abort(upstream);
            links.remove(this);
        }

        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
            links.remove(this);
        }

        private static void abort(Socket socket) {
            if (socket != null && !socket.isClosed()) {
                try {
                    socket.setSoLinger(true, 0); // close now sends RST, not FIN
                } catch (IOException ignored) {
                    // closing anyway
                }
                closeQuietly(socket);
            }
        }

        private static void closeQuietly(Socket socket) {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    /** Stops accepting, ends every connection and thread. */
    @Override
    public void close() {
        closed = true;
        switchTo(fault); // wakes threads held in a black hole
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        links.forEach(Link::close);
        threads.shutdownNow();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "fault proxy " + endpoint() + " -> " + targetHost + ":" + targetPort + " (" + fault.kind + ")";
    }
}
