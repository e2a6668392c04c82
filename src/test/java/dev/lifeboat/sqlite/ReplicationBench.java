package dev.lifeboat.sqlite;

import dev.lifeboat.testing.S3ProxyServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Side by side, same workload, same S3Proxy, one run: no agent, litestream 0.3.13, Lifeboat (the packaged app).
 * Measures writer transactions per second (single-row autocommit inserts, one writer), commit -> new WAL object in
 * the bucket lag (p50/p99 of markers committed every 250 ms), agent CPU seconds and peak RSS, objects written per
 * idle minute, and restore time of the resulting replica. Not a test: nothing is asserted.
 * Usage (see bench/sqlite-replication.sh): ReplicationBench [SECONDS] [RESTORE_MB]
 */
public final class ReplicationBench {
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int restoreMb = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path work = Files.createTempDirectory("lifeboat-bench-sqlite");
        try (S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("bench");
            System.out.printf("workload: one writer, single-row autocommit inserts, %d s per run; S3Proxy at %s%n", seconds, s3.endpoint());
            Result none = run("none", work, s3, seconds, null);
            Result ls = run("litestream", work, s3, seconds, "litestream");
            Result lb = run("lifeboat", work, s3, seconds, "lifeboat");
            System.out.println();
            System.out.printf("%-11s %10s %9s %9s %9s %9s %14s %11s%n", "agent", "tx/s", "vs none", "lag p50", "lag p99", "cpu s",
                    "peak RSS MB", "idle obj/h");
            for (Result r : List.of(none, ls, lb)) {
                System.out.printf("%-11s %10.0f %8.0f%% %8.2fs %8.2fs %9.1f %14.0f %11.0f%n", r.name, r.tps, 100 * r.tps / none.tps, r.p50, r.p99,
                        r.cpuSeconds, r.peakRssMb, r.idleObjectsPerHour);
            }
            restoreComparison(work, s3, restoreMb);
        }
    }

    record Result(String name, double tps, double p50, double p99, double cpuSeconds, double peakRssMb, double idleObjectsPerHour) {
    }

    static Result run(String name, Path work, S3ProxyServer s3, int seconds, String agent) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        Path db = dir.resolve("app.db");
        try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
            s.execute("CREATE TABLE marker (id INTEGER PRIMARY KEY, at INTEGER)");
        }
        Path bucketDir = s3.dataDir().resolve("bench").resolve(name);
        Process p = null;
        if ("litestream".equals(agent)) {
            Path cfg = Litestream.s3Config(dir, db, s3.endpoint(), "bench", name + "/app", S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
            p = new ProcessBuilder(Litestream.binary().toString(), "replicate", "-config", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile()).start();
        } else if ("lifeboat".equals(agent)) {
            Path cfg = dir.resolve("lifeboat.yml");
            Files.writeString(cfg, "destinations:\n" + s3.destinationYaml("s3", "bench", name)
                    + "databases:\n  app:\n    type: sqlite\n    path: " + db + "\n    destination: s3\n");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-jar", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString(),
                    "agent", "--config", cfg.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile())
                    .directory(dir.toFile());
            pb.environment().put("PORT", "0"); // any free HTTP port
            p = pb.start();
        }
        if (p != null) {
            awaitObjects(bucketDir, 1, 60);
        }
        long cpu0 = p == null ? 0 : cpuTicks(p.pid());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
        AtomicLong count = new AtomicLong();
        Thread writer = new Thread(() -> {
            try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout=30000");
                s.execute("PRAGMA synchronous=NORMAL"); // the usual setting of WAL-mode apps
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES (randomblob(100))")) {
                    while (!stop.get()) {
                        ps.executeUpdate();
                        count.incrementAndGet();
                    }
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        // Lag: markers are committed every 100 ms; a poller notes when each new WAL object appears in the bucket.
        // A marker's lag is the time from its commit to the first object that appeared after it (as TESTING.md's
        // litestream numbers were taken).
        List<Long> commits = Collections.synchronizedList(new ArrayList<>());
        List<Long> appearances = Collections.synchronizedList(new ArrayList<>());
        Thread marker = new Thread(() -> {
            if (agent == null) {
                return;
            }
            try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout=30000");
                while (!stop.get()) {
                    s.execute("INSERT INTO marker (at) VALUES (" + System.nanoTime() + ")");
                    commits.add(System.currentTimeMillis());
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        Thread poller = new Thread(() -> {
            try {
                long seen = countWal(bucketDir);
                while (!stop.get() || System.currentTimeMillis() < stopAt.get() + 5000) {
                    long n = countWal(bucketDir);
                    if (n > seen) {
                        appearances.add(System.currentTimeMillis());
                        seen = n;
                    }
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        long t0 = System.nanoTime();
        writer.start();
        marker.start();
        if (agent != null) {
            poller.start();
        }
        Thread.sleep(seconds * 1000L);
        stopAt.set(System.currentTimeMillis());
        stop.set(true);
        writer.join();
        marker.join();
        if (agent != null) {
            poller.join();
        }
        List<Double> lags = new ArrayList<>();
        for (long c : commits) {
            appearances.stream().filter(a -> a > c).findFirst().ifPresent(a -> lags.add((a - c) / 1000.0));
        }
        double tps = count.get() / ((System.nanoTime() - t0) / 1e9);
        double cpu = 0;
        double rss = 0;
        double idle = 0;
        if (p != null) {
            cpu = (cpuTicks(p.pid()) - cpu0) / 100.0;
            Thread.sleep(3000); // let the last sync finish
            long objects = countObjects(bucketDir);
            Thread.sleep(60_000);
            idle = (countObjects(bucketDir) - objects) * 60.0;
            rss = peakRssKb(p.pid()) / 1024.0;
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        Collections.sort(lags);
        double p50 = lags.isEmpty() ? 0 : lags.get(lags.size() / 2);
        double p99 = lags.isEmpty() ? 0 : lags.get(Math.min(lags.size() - 1, (int) Math.ceil(lags.size() * 0.99) - 1));
        System.out.printf("%s: %d tx, %.0f tx/s, %d lag samples%n", name, count.get(), tps, lags.size());
        return new Result(name, tps, p50, p99, cpu, rss, idle);
    }

    /** Builds a database of about {@code mb} MB, replicates it with Lifeboat's Replicator, restores it with both tools. */
    static void restoreComparison(Path work, S3ProxyServer s3, int mb) throws Exception {
        Path dir = Files.createDirectories(work.resolve("restore"));
        Path db = dir.resolve("big.db");
        try (TestDb app = new TestDb(db)) {
            int rows = mb * 1024 / 4;
            for (int i = 0; i < rows; i += 20_000) {
                app.insert(i, Math.min(rows, i + 20_000), 4000);
            }
        }
        var config = dev.lifeboat.testing.TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "bench", "restore")
                + "databases:\n  big:\n    type: sqlite\n    path: " + db + "\n    destination: s3\n");
        var store = SqliteRestoreService.storeFor(config, "big");
        try (Replicator r = new Replicator("big", db, store, ReplicatorTest.SMALL)) {
            r.sync();
        }
        long size = Files.size(db);
        Path cfg = Litestream.s3Config(dir, db, s3.endpoint(), "bench", "restore/big", S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
        long t0 = System.nanoTime();
        Litestream.restoreWithConfig(cfg, dir.resolve("by-litestream.db"), db);
        double lsSec = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        new SqliteRestorer(store).restore(new SqliteRestorer.Options(dir.resolve("by-lifeboat.db"), null, null, null));
        double lbSec = (System.nanoTime() - t0) / 1e9;
        System.out.printf("restore of a %.0f MB database from S3Proxy: litestream %.1f s, lifeboat %.1f s (incl. integrity_check), ratio %.2f%n",
                size / 1e6, lsSec, lbSec, lbSec / lsSec);
    }

    static long latestWal(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(f -> f.toString().endsWith(".wal.lz4")).mapToLong(f -> f.toFile().lastModified()).max().orElse(0);
        }
    }

    static long countWal(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(f -> f.toString().endsWith(".wal.lz4")).count();
        }
    }

    static long countObjects(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    static void awaitObjects(Path dir, long n, int seconds) throws Exception {
        for (int i = 0; i < seconds * 10 && countObjects(dir) < n; i++) {
            Thread.sleep(100);
        }
    }

    static long cpuTicks(long pid) throws Exception {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceFirst("^.*\\) ", "").split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static long peakRssKb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }
}
