package dev.lifeboat.pitr;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Supplier;

/**
 * A stand-in for {@code lifeboat wal-fetch} that a test's restored server (running as the postgres user, who cannot
 * start the test's classpath under /root) can run: a shell script asking this JVM over loopback HTTP, whose handler
 * runs {@link WalFetch} (the code behind wal-fetch) on the destination. Exit codes as wal-fetch with
 * {@code --abort-recovery-on-error}: 0 restored, 1 absent, 129 anything else (the reason on stderr, into the server log).
 * Accepts {@code FILE PATH} or {@code wal-fetch FILE PATH [options]}. Only for {@code *Test} classes, which run
 * before the app is packaged; {@link PitrAgentIT} restores with the real packaged command
 * ({@code LifeboatBinary.portable}).
 */
public final class WalFetchShim implements AutoCloseable {
    private final HttpServer server;
    private final Path script;

    private WalFetchShim(HttpServer server, Path script) {
        this.server = server;
        this.script = script;
    }

    public static WalFetchShim start(Path dir, Supplier<WalArchive> archive) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/wal/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring("/wal/".length());
            Path tmp = dir.resolve("fetch-" + System.nanoTime() + ".wal");
            int code;
            byte[] body;
            try {
                if (WalFetch.fetch(archive.get(), name, tmp) == WalFetch.Outcome.ABSENT) {
                    code = 404;
                    body = new byte[0];
                } else {
                    code = 200;
                    body = Files.readAllBytes(tmp);
                }
            } catch (IOException | RuntimeException e) {
                code = 500;
                body = String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(tmp);
            }
            exchange.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        Path script = dir.resolve("wal-fetch-shim.sh");
        Files.writeString(script, "#!/bin/sh\n"
                + "[ \"$1\" = wal-fetch ] && shift\n"
                + "code=$(curl -s -o \"$2\" -w '%{http_code}' http://127.0.0.1:" + server.getAddress().getPort() + "/wal/$1)\n"
                + "[ \"$code\" = 200 ] && exit 0\n"
                + "[ -f \"$2\" ] && cat \"$2\" >&2 && echo >&2\n"
                + "rm -f \"$2\"\n"
                + "[ \"$code\" = 404 ] && exit 1\n"
                + "exit 129\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new WalFetchShim(server, script);
    }

    /** The script; as a restore_command: {@code script %f %p}. */
    public Path script() {
        return script;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
