package dev.lifeboat.postgres.health;

import dev.lifeboat.postgres.PgUrl;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Load for bench/pg-health.sh (not a test): holds CONNECTIONS sessions open on the server (every tenth idle in a
 * transaction, the rest idle) for SECONDS, and with mode {@code watch} polls the server as the agent's watch does,
 * every INTERVAL_MS on one held connection, printing the poll times' p50/p99/max at the end.
 *
 * <p>Usage: {@code PgHealthBench JDBC_URL LIBPQ_URL CONNECTIONS SECONDS hold|watch [INTERVAL_MS]}
 */
public final class PgHealthBench {
    private PgHealthBench() {
    }

    public static void main(String[] args) throws Exception {
        String jdbc = args[0];
        PgUrl url = PgUrl.parse(args[1]);
        int connections = Integer.parseInt(args[2]);
        long seconds = Long.parseLong(args[3]);
        boolean watch = args[4].equals("watch");
        long intervalMillis = args.length > 5 ? Long.parseLong(args[5]) : 1000;
        List<Connection> held = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Connection c = DriverManager.getConnection(jdbc);
            if (i % 10 == 0) {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1");
                }
            }
            held.add(c);
        }
        System.out.println("holding " + connections + " connections" + (watch ? ", polling every " + intervalMillis + " ms" : ""));
        System.out.flush();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Double> polls = new ArrayList<>();
        try (PgHealthProbe probe = new PgHealthProbe("bench", url, Duration.ofSeconds(5), false, 10)) {
            while (System.nanoTime() < end) {
                if (watch) {
                    PgHealthReport r = probe.poll();
                    if (!r.ok()) {
                        throw new IllegalStateException(r.error());
                    }
                    polls.add(r.pollMillis());
                }
                Thread.sleep(intervalMillis);
            }
        }
        for (Connection c : held) {
            c.close();
        }
        if (watch && !polls.isEmpty()) {
            double[] sorted = polls.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "poll time over %d polls: p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 < 20 ms)%n",
                    sorted.length, percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1]);
        }
    }

    private static double percentile(double[] sorted, double p) {
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
