package dev.lifeboat.sqlite;

import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.testing.S3ProxyServer;
import net.jpountz.xxhash.StreamingXXHash32;
import net.jpountz.xxhash.XXHashFactory;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Where the time of a large SQLite restore goes, and Lifeboat against litestream 0.3.13 on the same replica
 * (written by Lifeboat) in the same S3Proxy. Each round runs every step once, interleaved, so that load from
 * elsewhere on the shared machine hits all of them alike; the table gives the fastest and the median per step.
 * Steps: the two full restores, then the parts of Lifeboat's: HTTP GET drained, GET + LZ4 decode drained (lz4-java's
 * sequential decoder and the parallel one), LZ4 decode of the object read from S3Proxy's own file (no HTTP), xxHash32
 * of the decoded size in memory, writing that many
 * bytes to a file, fsync of it, and {@code PRAGMA integrity_check} of the restored file.
 * Not a test: nothing is asserted. Usage: bench/sqlite-restore.sh [MB, default 1000] [ROUNDS, default 3];
 * BENCH_RESTORE_ONLY=1 runs only the two full restores.
 */
public final class RestoreBench {
    /** Writes about {@code mb} MB of rows (4 KB each, in transactions of 20,000) into {@code db}. */
    static void fill(Path db, int mb) throws Exception {
        try (TestDb app = new TestDb(db)) {
            int rows = mb * 1024 / 4;
            for (int i = 0; i < rows; i += 20_000) {
                app.insert(i, Math.min(rows, i + 20_000), 4000);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int mb = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = Files.createTempDirectory("lifeboat-bench-restore");
        try (S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("bench");
            Path dir = Files.createDirectories(work.resolve("restore"));
            Path db = dir.resolve("big.db");
            fill(db, mb);
            var config = dev.lifeboat.testing.TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "bench", "restore")
                    + "databases:\n  big:\n    type: sqlite\n    path: " + db + "\n    destination: s3\n");
            ObjectStore store = SqliteRestoreService.storeFor(config, "big");
            try (Replicator r = new Replicator("big", db, store, ReplicatorTest.SMALL)) {
                r.sync();
            }
            Path lsConfig = Litestream.s3Config(dir, db, s3.endpoint(), "bench", "restore/big", S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
            Path objectFile;
            try (Stream<Path> s = Files.walk(s3.dataDir())) {
                objectFile = s.filter(f -> f.toString().endsWith(".snapshot.lz4")).findFirst().orElseThrow();
            }
            String key = s3.dataDir().resolve("bench/restore/big").relativize(objectFile).toString();
            long dbSize = Files.size(db);
            System.out.printf("database %.0f MB, snapshot object %.0f MB; load average before: %s%n", dbSize / 1e6, Files.size(objectFile) / 1e6,
                    Files.readString(Path.of("/proc/loadavg")).trim());

            Path lsOut = dir.resolve("by-litestream.db");
            Path lbOut = dir.resolve("by-lifeboat.db");
            Path scratch = dir.resolve("scratch");
            Map<String, Callable<Object>> steps = new LinkedHashMap<>();
            steps.put("litestream restore", () -> Litestream.restoreWithConfig(lsConfig, lsOut, db));
            steps.put("lifeboat restore", () -> new SqliteRestorer(store).restore(new SqliteRestorer.Options(lbOut, null, null, null)));
            steps.put("  GET, drained", () -> drain(store.get(key)));
            steps.put("  GET + sequential decode", () -> drain(ReplicaCodec.PLAIN.decode(store.get(key))));
            steps.put("  GET + parallel decode", () -> drain(ReplicaCodec.PLAIN.decodeLarge(store.get(key))));
            steps.put("  seq. decode from file", () -> drain(ReplicaCodec.PLAIN.decode(Files.newInputStream(objectFile))));
            steps.put("  par. decode from file", () -> drain(ReplicaCodec.PLAIN.decodeLarge(Files.newInputStream(objectFile))));
            steps.put("  xxHash32 of the size", () -> hash(dbSize));
            steps.put("  write the size to a file", () -> write(scratch, dbSize));
            steps.put("  fsync that file", () -> {
                SqliteFiles.fsync(scratch);
                return null;
            });
            steps.put("  integrity_check", () -> SqliteFiles.integrityProblems(lbOut));
            drain(store.get(key)); // S3Proxy's first GET also compiles its code: warm it up for both tools
            if (System.getenv("BENCH_RESTORE_ONLY") != null) {
                steps.keySet().removeIf(k -> k.startsWith(" "));
            }
            Map<String, List<Double>> times = new LinkedHashMap<>();
            Map<String, List<Double>> cpu = new LinkedHashMap<>();
            Map<String, List<Double>> s3cpu = new LinkedHashMap<>();
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            for (int round = 1; round <= rounds; round++) {
                for (var e : steps.entrySet()) {
                    if (e.getKey().equals("litestream restore")) {
                        Files.deleteIfExists(lsOut);
                    }
                    if (e.getKey().equals("lifeboat restore")) {
                        Files.deleteIfExists(lbOut);
                    }
                    long cpu0 = os.getProcessCpuTime() + childrenCpuNanos();
                    long s30 = ReplicationBench.cpuTicks(s3.process().pid());
                    long t0 = System.nanoTime();
                    e.getValue().call();
                    times.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e9);
                    cpu.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((os.getProcessCpuTime() + childrenCpuNanos() - cpu0) / 1e9);
                    s3cpu.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((ReplicationBench.cpuTicks(s3.process().pid()) - s30) / 100.0);
                }
                Files.deleteIfExists(scratch);
            }
            // CPU: this JVM plus the litestream child (the restorer's own CPU), and S3Proxy's serving the GET.
            System.out.printf("%-30s %8s %8s %9s %9s   all runs (s)%n", "step", "fastest", "median", "cpu med", "s3 cpu");
            for (var e : times.entrySet()) {
                List<Double> sorted = new ArrayList<>(e.getValue());
                Collections.sort(sorted);
                System.out.printf("%-30s %7.2fs %7.2fs %8.2fs %8.2fs   %s%n", e.getKey(), sorted.get(0), sorted.get(sorted.size() / 2),
                        median(cpu.get(e.getKey())), median(s3cpu.get(e.getKey())), e.getValue().stream().map(d -> String.format("%.2f", d)).toList());
            }
            double ls = median(times.get("litestream restore"));
            double lb = median(times.get("lifeboat restore"));
            System.out.printf("restore of a %.0f MB database, median of %d: litestream %.2f s, lifeboat %.2f s (incl. integrity_check), ratio %.2f; "
                    + "load average after: %s%n", dbSize / 1e6, rounds, ls, lb, lb / ls, Files.readString(Path.of("/proc/loadavg")).trim());
        } finally {
            ShadowWal.deleteTree(work);
        }
    }

    /** CPU time of this JVM's finished children (litestream), from /proc/self/stat (cutime + cstime, in ticks of 10 ms). */
    private static long childrenCpuNanos() throws Exception {
        String[] f = Files.readString(Path.of("/proc/self/stat")).replaceFirst("^.*\\) ", "").split(" ");
        return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10_000_000L;
    }

    private static double median(List<Double> l) {
        List<Double> s = new ArrayList<>(l);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static Object drain(InputStream in) throws Exception {
        byte[] b = new byte[1 << 20];
        long n = 0;
        try (in) {
            for (int r; (r = in.read(b)) >= 0; ) {
                n += r;
            }
        }
        return n;
    }

    private static Object hash(long size) {
        StreamingXXHash32 h = XXHashFactory.safeInstance().newStreamingHash32(0);
        byte[] b = new byte[1 << 20];
        new java.util.Random(1).nextBytes(b);
        for (long done = 0; done < size; done += b.length) {
            h.update(b, 0, (int) Math.min(b.length, size - done));
        }
        return h.getValue();
    }

    private static Object write(Path file, long size) throws Exception {
        byte[] b = new byte[1 << 20];
        try (OutputStream os = Files.newOutputStream(file)) {
            for (long done = 0; done < size; done += b.length) {
                os.write(b, 0, (int) Math.min(b.length, size - done));
            }
        }
        return null;
    }
}
