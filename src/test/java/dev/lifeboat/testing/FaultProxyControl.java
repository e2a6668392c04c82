package dev.lifeboat.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@link FaultProxy} as a process, for scripts (bench/soak.sh): {@code java -cp target/test-classes
 * dev.lifeboat.testing.FaultProxyControl http|tcp HOST PORT} prints {@code port N} once listening, then takes one
 * command per line on standard input: {@code pass}, {@code latency MILLIS}, {@code reset}, {@code blackhole},
 * {@code errors STATUS SHARE} (http only). It answers each with {@code ok ...} (or {@code error ...}) and ends with
 * its input.
 */
public final class FaultProxyControl {
    private FaultProxyControl() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3 || !(args[0].equals("http") || args[0].equals("tcp"))) {
            System.err.println("usage: FaultProxyControl http|tcp HOST PORT");
            System.exit(2);
        }
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        try (FaultProxy proxy = args[0].equals("http") ? FaultProxy.http(host, port) : FaultProxy.tcp(host, port)) {
            System.out.println("port " + proxy.port());
            System.out.flush();
            var commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = commands.readLine()) != null; ) {
                System.out.println(apply(proxy, line.trim().split("\\s+")));
                System.out.flush();
            }
        }
    }

    private static String apply(FaultProxy proxy, String[] command) {
        try {
            switch (command[0]) {
                case "pass" -> proxy.pass();
                case "latency" -> proxy.latency(Duration.ofMillis(Long.parseLong(command[1])));
                case "reset" -> proxy.reset();
                case "blackhole" -> proxy.blackhole();
                case "errors" -> proxy.httpErrors(Integer.parseInt(command[1]), Double.parseDouble(command[2]));
                default -> {
                    return "error unknown command " + command[0];
                }
            }
            return "ok " + String.join(" ", command) + " (requests " + proxy.requestsSeen() + ", failed " + proxy.requestsFailed() + ")";
        } catch (RuntimeException e) {
            return "error " + String.join(" ", command) + ": " + e;
        }
    }
}
