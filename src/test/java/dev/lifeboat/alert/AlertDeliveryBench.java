package dev.lifeboat.alert;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;

/**
 * Cost of Lifeboat's durable delivery against a bare HTTP POST, measured in the same run against the same WireMock
 * receiver: each notification is rendered, written to the outbox (fsync + rename + directory fsync), signed, sent and
 * deleted (directory fsync again). Also the cost of one evaluation over many conditions. Not a test: run by
 * bench/alert-delivery.sh. Usage: AlertDeliveryBench [notifications] [conditions]
 */
public final class AlertDeliveryBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int conditions = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        Path dir = Files.createTempDirectory("lifeboat-alert-bench");
        try (Receiver receiver = new Receiver()) {
            receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            AlertHarness h = new AlertHarness();
            for (int round = 0; round < 2; round++) { // round 0 warms the JIT and the connection
                boolean print = round == 1;
                byte[] body = new byte[600];
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    http.send(HttpRequest.newBuilder(URI.create(receiver.url("/hook"))).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
                }
                double bare = (System.nanoTime() - t0) / 1e6 / n;

                AlertRuntime runtime = h.runtime(AlertHarness.config(dir.resolve("r" + round), """
                          for: 0s
                          sinks:
                            hook: {type: webhook, url: "%s", secret: bench-secret}
                        """.formatted(receiver.url("/hook"))));
                long t1 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    h.set(new Condition("backup-stale", "db" + i, Severity.CRITICAL, true, "bench", java.util.Map.of(), java.util.Map.of()));
                    runtime.alerter.evaluate(List.of(h.source)); // queues one firing (the previous subject is now unreported: unchanged)
                    runtime.deliverer.deliverDue();
                }
                double durable = (System.nanoTime() - t1) / 1e6 / n;

                List<Condition> many = new java.util.ArrayList<>();
                for (int i = 0; i < conditions; i++) {
                    many.add(new Condition("volume-low-space", "v" + i, Severity.WARNING, false, "ok", java.util.Map.of(), java.util.Map.of("free", "1")));
                }
                h.set(many.toArray(Condition[]::new));
                long t2 = System.nanoTime();
                int evaluations = 20;
                for (int i = 0; i < evaluations; i++) {
                    runtime.alerter.evaluate(List.of(h.source));
                }
                double evaluation = (System.nanoTime() - t2) / 1e6 / evaluations;
                runtime.close();
                if (print) {
                    System.out.printf("bare HTTP POST (baseline)          %7.2f ms per request%n", bare);
                    System.out.printf("durable signed delivery (outbox)   %7.2f ms per notification  (%.1fx the baseline)%n", durable, durable / bare);
                    System.out.printf("evaluation of %d quiet conditions %7.2f ms (state file rewritten each time)%n", conditions, evaluation);
                }
            }
        }
    }
}
