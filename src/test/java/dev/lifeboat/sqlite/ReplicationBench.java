package dev.lifeboat.sqlite;

import dev.lifeboat.testing.LifeboatBinary;
import dev.lifeboat.testing.S3ProxyServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Side by side, same workload, same S3Proxy, one run: no agent, litestream 0.3.13, Lifeboat (the packaged app).
 * Measures writer transactions per second (single-row autocommit inserts, one writer), commit -> new WAL object in
 * the bucket lag (p50/p99 of markers committed every 100 ms), agent CPU seconds and peak RSS, objects written per
 * idle minute, and restore time of the resulting replica. Not a test: nothing is asserted.
 * Usage and fairness notes: bench/sqlite-replication.sh. ReplicationBench [SECONDS] [RESTORE_MB]
 */
public final class ReplicationBench {
    /** Rounds of the three runs (BENCH_ROUNDS; 0 runs only the restore comparison); the writer's ratios are reported per round and as the median. */
    static final int ROUNDS = Integer.parseInt(System.getenv().getOrDefault("BENCH_ROUNDS", "3"));
    /** The product's JVM flags (src/main/jvm) unless BENCH_AGENT_JAVA_OPTS replaces them. */
    static final List<String> AGENT_JAVA_OPTS = System.getenv("BENCH_AGENT_JAVA_OPTS") == null ? LifeboatBinary.jvmOptions()
            : List.of(System.getenv("BENCH_AGENT_JAVA_OPTS").trim().split("\\s+"));
    /** How long each agent is watched doing nothing (objects per idle hour); BENCH_IDLE_SECONDS shortens it while developing. */
    static final int IDLE_SECONDS = Integer.parseInt(System.getenv().getOrDefault("BENCH_IDLE_SECONDS", "60"));

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int restoreMb = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path work = Files.createTempDirectory("lifeboat-bench-sqlite");
        try (S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("bench");
            System.out.printf("workload: one writer, single-row autocommit inserts, %d s per run; S3Proxy at %s%n", seconds, s3.endpoint());
            // Rounds interleave the three runs so that load from elsewhere on the machine hits all of them alike, each
            // round in another order (no run is always the one after the heaviest).
            List<Double> lsRatios = new ArrayList<>();
            List<Double> lbRatios = new ArrayList<>();
            List<String> kinds = List.of(System.getenv().getOrDefault("BENCH_AGENTS", "none,litestream,lifeboat").split(","));
            if (ROUNDS > 0) {
                // The writer (the app) runs in this JVM and gets faster as it warms up: a first run that counts for
                // nothing keeps round 1's no-agent rate from being the slowest of all.
                run("warm-up", 0, work, s3, seconds, null);
            }
            for (int round = 1; round <= ROUNDS; round++) {
                Map<String, Result> results = new HashMap<>();
                for (int k = 0; k < kinds.size(); k++) {
                    String kind = kinds.get((k + round - 1) % kinds.size());
                    results.put(kind, run(kind, round, work, s3, seconds, kind.equals("none") ? null : kind));
                }
                Result none = results.get("none");
                Result ls = results.getOrDefault("litestream", none);
                Result lb = results.getOrDefault("lifeboat", none);
                System.out.println();
                System.out.printf("round %d of %d%n", round, ROUNDS);
                System.out.printf("%-11s %10s %9s %9s %9s %9s %14s %11s%n", "agent", "tx/s", "vs none", "lag p50", "lag p99", "cpu s",
                        "peak RSS MB", "idle obj/h");
                for (Result r : List.of(none, ls, lb)) {
                    System.out.printf("%-11s %10.0f %8.0f%% %8.2fs %8.2fs %9.1f %14.0f %11.0f%n", r.name, r.tps, 100 * r.tps / none.tps, r.p50, r.p99,
                            r.cpuSeconds, r.peakRssMb, r.idleObjectsPerHour);
                }
                lsRatios.add(ls.tps / none.tps);
                lbRatios.add(lb.tps / none.tps);
            }
            Collections.sort(lsRatios);
            Collections.sort(lbRatios);
            if (ROUNDS > 0) { // BENCH_ROUNDS=0: the restore comparison only
                System.out.printf("%nwriter tx/s vs none, median of %d round(s): litestream %.0f%%, lifeboat %.0f%%%n", ROUNDS,
                        100 * lsRatios.get(ROUNDS / 2), 100 * lbRatios.get(ROUNDS / 2));
            }
            if (restoreMb > 0) {
                restoreComparison(work, s3, restoreMb);
            }
        } finally {
            ShadowWal.deleteTree(work); // gigabytes of databases and replicas per run
        }
    }

    record Result(String name, double tps, double p50, double p99, double cpuSeconds, double peakRssMb, double idleObjectsPerHour) {
    }

    static Result run(String name, int round, Path work, S3ProxyServer s3, int seconds, String agent) throws Exception {
        name = name + round;
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
            // 5 MiB parts, as litestream's S3 uploader uses: an upload buffers up to three parts in the heap.
            Files.writeString(cfg, "destinations:\n" + s3.destinationYaml("s3", "bench", name) + "    part-size: 5MiB\n"
                    + "databases:\n  app:\n    type: sqlite\n    path: " + db + "\n    destination: s3\n"
                    // Replication alone is measured, as litestream's: drills (on by default, daily, one record object each,
                    // the first a minute after start) would fall into the idle window and into the peak RSS.
                    + "    drill: {enabled: false}\n");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>(List.of(java));
            command.addAll(AGENT_JAVA_OPTS);
            command.addAll(List.of("-jar", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString(), "agent", "--config", cfg.toString()));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile())
                    .directory(dir.toFile());
            pb.environment().put("PORT", "0"); // any free HTTP port
            // glibc gives each thread that allocates its own 64 MiB malloc arena (SQLite's page caches, the JIT);
            // two arenas are the usual setting for a JVM in a small container.
            pb.environment().put("MALLOC_ARENA_MAX", System.getenv().getOrDefault("BENCH_AGENT_MALLOC_ARENA_MAX", "2"));
            p = pb.start();
        }
        if (p != null) {
            awaitObjects(bucketDir, 1, 60);
        }
        long cpu0 = p == null ? 0 : cpuTicks(p.pid());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
        AtomicLong count = new AtomicLong();
        AtomicLong writerNanos = new AtomicLong();
        AtomicLong writerCpuNanos = new AtomicLong();
        AtomicLong stalls = new AtomicLong();
        AtomicLong stalledNanos = new AtomicLong();
        Thread writer = new Thread(null, () -> {
            try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout=30000");
                s.execute("PRAGMA synchronous=NORMAL"); // the usual setting of WAL-mode apps
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES (randomblob(100))")) {
                    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
                    long cpuStart = threads.getCurrentThreadCpuTime();
                    long start = System.nanoTime();
                    long before = start;
                    while (!stop.get()) {
                        ps.executeUpdate();
                        count.incrementAndGet();
                        long after = System.nanoTime();
                        if (after - before > 1_000_000) { // a transaction that waited (busy handler, checkpoint, I/O)
                            stalls.incrementAndGet();
                            stalledNanos.addAndGet(after - before);
                        }
                        before = after;
                    }
                    writerNanos.set(System.nanoTime() - start);
                    writerCpuNanos.set(threads.getCurrentThreadCpuTime() - cpuStart);
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "bench-writer");
        // Lag: markers are committed every 100 ms; a poller notes when each new WAL object appears in the bucket.
        // A marker's lag is the time from its commit to the first object that appeared after it (as TESTING.md's
        // litestream numbers were taken).
        List<Long> commits = Collections.synchronizedList(new ArrayList<>());
        List<Long> appearances = Collections.synchronizedList(new ArrayList<>());
        Thread marker = new Thread(() -> {
            try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout=30000");
                s.execute("PRAGMA synchronous=NORMAL"); // as the writer: a FULL marker would fsync while holding the writer out
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
        long s3cpu0 = cpuTicks(s3.process().pid());
        long[] idle0 = machineTicks();
        writer.start();
        marker.start();
        if (agent != null) {
            poller.start();
        }
        Thread.sleep(seconds * 1000L);
        stopAt.set(System.currentTimeMillis());
        stop.set(true);
        writer.join();
        long s3cpu = cpuTicks(s3.process().pid()) - s3cpu0;
        long[] idle1 = machineTicks();
        marker.join();
        if (agent != null) {
            poller.join();
        }
        List<Double> lags = new ArrayList<>();
        for (long c : commits) {
            appearances.stream().filter(a -> a > c).findFirst().ifPresent(a -> lags.add((a - c) / 1000.0));
        }
        // Rate over the writer's own running time (the lag poller runs on for 5 s after it stops).
        double tps = count.get() / (writerNanos.get() / 1e9);
        double cpu = p == null ? 0 : (cpuTicks(p.pid()) - cpu0) / 100.0;
        double rss = 0;
        double idle = 0;
        if (p != null) {
            Thread.sleep(3000); // let the last sync finish
            long objects = countObjects(bucketDir);
            if (round == 1) { // once is enough: idle behaviour does not depend on load
                Thread.sleep(IDLE_SECONDS * 1000L);
                idle = (countObjects(bucketDir) - objects) * 3600.0 / IDLE_SECONDS;
            } else {
                idle = Double.NaN;
            }
            rss = peakRssKb(p.pid()) / 1024.0;
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        Collections.sort(lags);
        double p50 = lags.isEmpty() ? 0 : lags.get(lags.size() / 2);
        double p99 = lags.isEmpty() ? 0 : lags.get(Math.min(lags.size() - 1, (int) Math.ceil(lags.size() * 0.99) - 1));
        System.out.printf("%s: %d tx, %.0f tx/s, %d lag samples; writer: %.1f us cpu per tx, on cpu %.0f%% of the time, stalled (tx > 1 ms) %d times, %.2f s in all;"
                        + " S3Proxy cpu %.1f s; machine idle %.0f%%%n",
                name, count.get(), tps, lags.size(), writerCpuNanos.get() / 1e3 / Math.max(1, count.get()),
                100.0 * writerCpuNanos.get() / Math.max(1, writerNanos.get()), stalls.get(), stalledNanos.get() / 1e9, s3cpu / 100.0,
                100.0 * (idle1[0] - idle0[0]) / Math.max(1, idle1[1] - idle0[1]));
        String keepLogs = System.getenv("BENCH_KEEP_LOGS"); // a directory for the agents' logs
        if (keepLogs != null && p != null) {
            Files.copy(dir.resolve("agent.log"), Files.createDirectories(Path.of(keepLogs)).resolve(name + ".log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        // Gigabytes per run: removed, and written back before the next run so that it does not pay for this one's.
        ShadowWal.deleteTree(dir);
        ShadowWal.deleteTree(bucketDir);
        settleDisk();
        return new Result(name, tps, p50, p99, cpu, rss, idle);
    }

    /** Lets the kernel write back every dirty page now (the next measurement must not wait behind them). */
    static void settleDisk() throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    /** Builds a database of about {@code mb} MB, replicates it with Lifeboat's Replicator, restores it with both tools. */
    static void restoreComparison(Path work, S3ProxyServer s3, int mb) throws Exception {
        Path dir = Files.createDirectories(work.resolve("restore"));
        Path db = dir.resolve("big.db");
        RestoreBench.fill(db, mb);
        String yaml = "destinations:\n" + s3.destinationYaml("s3", "bench", "restore")
                + "databases:\n  big:\n    type: sqlite\n    path: " + db + "\n    destination: s3\n";
        var config = dev.lifeboat.testing.TestConfigs.parse(yaml);
        Path lifeboatYml = Files.writeString(dir.resolve("lifeboat.yml"), yaml);
        var store = SqliteRestoreService.storeFor(config, "big");
        try (Replicator r = new Replicator("big", db, store, ReplicatorTest.SMALL)) {
            r.sync();
        }
        long size = Files.size(db);
        Path cfg = Litestream.s3Config(dir, db, s3.endpoint(), "bench", "restore/big", S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
        // Three rounds, alternating which tool goes first, each after the disk has settled; the median is reported.
        List<Double> ls = new ArrayList<>();
        List<Double> lb = new ArrayList<>();
        List<Double> command = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            // The whole command as a user runs it in JVM mode (bin/lifeboat: JVM start with its AOT cache included).
            Path byCommand = dir.resolve("by-command.db");
            ShadowWal.deleteTree(byCommand);
            settleDisk();
            long c0 = System.nanoTime();
            Process p = new ProcessBuilder("bin/lifeboat", "restore", "big", "-o", byCommand.toString(), "--config", lifeboatYml.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("restore-command.log").toFile()).start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("bin/lifeboat restore failed: " + Files.readString(dir.resolve("restore-command.log")));
            }
            command.add((System.nanoTime() - c0) / 1e9);
            for (int k = 0; k < 2; k++) {
                boolean litestream = (k + round) % 2 == 0;
                Path out = dir.resolve(litestream ? "by-litestream.db" : "by-lifeboat.db");
                ShadowWal.deleteTree(out);
                settleDisk();
                long t0 = System.nanoTime();
                if (litestream) {
                    Litestream.restoreWithConfig(cfg, out, db);
                } else {
                    new SqliteRestorer(store).restore(new SqliteRestorer.Options(out, null, null, null));
                }
                (litestream ? ls : lb).add((System.nanoTime() - t0) / 1e9);
            }
        }
        System.out.printf("restore of a %.0f MB database from S3Proxy: litestream %s s, lifeboat %s s (incl. integrity_check); median ratio %.2f%n",
                size / 1e6, seconds(ls), seconds(lb), median(lb) / median(ls));
        System.out.printf("  the 'bin/lifeboat restore' command, JVM start included: %s s; median ratio to litestream %.2f%n",
                seconds(command), median(command) / median(ls));
    }

    private static String seconds(List<Double> times) {
        return times.stream().map(t -> String.format("%.2f", t)).collect(java.util.stream.Collectors.joining("/"));
    }

    private static double median(List<Double> times) {
        List<Double> sorted = new ArrayList<>(times);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    static long latestWal(Path dir) throws Exception {
        return walk(dir, s -> s.filter(f -> f.toString().endsWith(".wal.lz4")).mapToLong(f -> f.toFile().lastModified()).max().orElse(0));
    }

    static long countWal(Path dir) throws Exception {
        return walk(dir, s -> s.filter(f -> f.toString().endsWith(".wal.lz4")).count());
    }

    static long countObjects(Path dir) throws Exception {
        return walk(dir, s -> s.filter(Files::isRegularFile).count());
    }

    static void awaitObjects(Path dir, long n, int seconds) throws Exception {
        for (int i = 0; i < seconds * 10 && countObjects(dir) < n; i++) {
            Thread.sleep(100);
        }
    }

    /** Applies {@code f} to the files under {@code dir}, again when S3Proxy renamed a temporary file away meanwhile. */
    static long walk(Path dir, java.util.function.ToLongFunction<Stream<Path>> f) throws Exception {
        for (int attempt = 0; ; attempt++) {
            if (!Files.isDirectory(dir)) {
                return 0;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                return f.applyAsLong(s);
            } catch (java.io.UncheckedIOException vanished) {
                if (attempt == 10) {
                    throw vanished;
                }
            }
        }
    }

    static long cpuTicks(long pid) throws Exception {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceFirst("^.*\\) ", "").split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Idle and total jiffies of all CPUs (first line of /proc/stat). */
    static long[] machineTicks() throws Exception {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[]{Long.parseLong(f[4]) + Long.parseLong(f[5]), total};
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
