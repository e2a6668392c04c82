package dev.lifeboat.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Debian {@code chromium} driven over the DevTools protocol on a {@link WebSocket} (no WebDriver, no new
 * dependency): one page, JavaScript evaluation, screenshots, and every console error, uncaught exception and
 * browser log error collected in {@link #errors()}. Started on {@code --remote-debugging-port=0}; the port is read
 * from the "DevTools listening on" line chromium writes to stderr.
 */
public final class Chromium implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://[^\\s]+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();

    private Chromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** Starts chromium with a fresh profile and attaches to its first page, with Runtime, Log and Page events on. */
    public static Chromium start(int width, int height) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException("chromium is not installed at " + BINARY + " (Debian package chromium)");
        }
        Path profile = Files.createTempDirectory("lifeboat-chromium-");
        Process p = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-extensions", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
                "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "--user-data-dir=" + profile,
                "--window-size=" + width + "," + height, "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String browserUrl = awaitListening(p);
        int port = URI.create(browserUrl).getPort();
        HttpClient http = HttpClient.newHttpClient();
        String pageSocket = null;
        for (int attempt = 0; attempt < 100 && pageSocket == null; attempt++) {
            JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode t : targets) {
                if ("page".equals(t.path("type").asText())) {
                    pageSocket = t.path("webSocketDebuggerUrl").asText();
                }
            }
            if (pageSocket == null) {
                Thread.sleep(100);
            }
        }
        if (pageSocket == null) {
            p.destroyForcibly();
            throw new IOException("chromium shows no page target");
        }
        Chromium[] self = new Chromium[1];
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    String message = partial.toString();
                    partial.setLength(0);
                    self[0].received(message);
                }
                webSocket.request(1);
                return null;
            }
        }).join();
        Chromium c = new Chromium(p, profile, ws);
        self[0] = c;
        c.call("Runtime.enable", Map.of());
        c.call("Log.enable", Map.of());
        c.call("Page.enable", Map.of());
        return c;
    }

    private static String awaitListening(Process p) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = err.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
                url.completeExceptionally(new IOException("chromium exited before listening"));
            } catch (IOException e) {
                url.completeExceptionally(e);
            }
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return url.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException("chromium did not report its DevTools port: " + e, e);
        }
    }

    private void received(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            if (m.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                if (f != null) {
                    if (m.has("error")) {
                        f.completeExceptionally(new IOException("DevTools error: " + m.get("error")));
                    } else {
                        f.complete(m.get("result"));
                    }
                }
                return;
            }
            JsonNode params = m.path("params");
            switch (m.path("method").asText()) {
                case "Runtime.consoleAPICalled" -> {
                    String type = params.path("type").asText();
                    if (type.equals("error") || type.equals("assert")) {
                        errors.add("console." + type + ": " + params.path("args"));
                    }
                }
                case "Runtime.exceptionThrown" -> errors.add("uncaught exception: " + params.path("exceptionDetails"));
                case "Log.entryAdded" -> {
                    if ("error".equals(params.path("entry").path("level").asText())) {
                        errors.add("log error: " + params.path("entry"));
                    }
                }
                default -> {
                }
            }
        } catch (IOException e) {
            errors.add("unreadable DevTools message: " + e.getMessage());
        }
    }

    /** Calls a DevTools method and waits for its result. */
    public JsonNode call(String method, Map<String, ?> params) throws IOException {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.put(id, result);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(message), true).join();
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException(method + " failed: " + e.getMessage(), e);
        }
    }

    /** Opens {@code url} in the page and waits for its load event. */
    public void navigate(String url) throws IOException, InterruptedException {
        call("Page.navigate", Map.of("url", url));
        Await.until("the page " + url + " to load", Duration.ofSeconds(30), () -> "complete".equals(evaluateQuietly("document.readyState")));
    }

    /** Evaluates a JavaScript expression in the page (promises awaited) and returns its value as JSON. */
    public JsonNode evaluate(String expression) throws IOException {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new IOException("evaluating " + expression + " threw " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** {@link #evaluate} as text, or null when evaluation failed (for polling). */
    public String evaluateQuietly(String expression) {
        try {
            JsonNode v = evaluate(expression);
            return v.isMissingNode() || v.isNull() ? null : v.asText();
        } catch (IOException e) {
            return null;
        }
    }

    /** Saves a PNG of the whole page (beyond the viewport) to {@code file}. */
    public void screenshot(Path file) throws IOException {
        JsonNode r = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(r.path("data").asText()));
    }

    /** Console errors, uncaught exceptions and browser log errors seen so far. */
    public List<String> errors() {
        return new ArrayList<>(errors);
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
        } catch (RuntimeException ignored) {
            // the browser goes away below anyway
        }
        ExternalProcess.stop(process);
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp profile left behind is harmless
        }
    }
}
