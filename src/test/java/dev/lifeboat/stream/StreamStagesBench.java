package dev.lifeboat.stream;

import dev.lifeboat.stream.age.AgeIdentity;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Throughput of each stream stage on one input file, with the zstd CLI measured in the same run as the baseline.
 * Not a test: run by bench/stream-stages.sh. Usage: StreamStagesBench FILE
 */
public final class StreamStagesBench {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        byte[] data = Files.readAllBytes(file);
        double mb = data.length / 1e6;
        for (int round = 0; round < 2; round++) { // round 0 warms the JIT
            boolean print = round == 1;
            long t0 = System.nanoTime();
            Process zstd = new ProcessBuilder("zstd", "-3", "-q", "-c").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (OutputStream in = zstd.getOutputStream()) {
                in.write(data);
            }
            zstd.waitFor();
            double cli = (System.nanoTime() - t0) / 1e9;
            if (print) {
                System.out.printf("zstd CLI -3 (baseline)   %7.1f MB/s%n", mb / cli);
            }
            for (Compression c : Compression.values()) {
                for (boolean encrypt : new boolean[] {false, true}) {
                    long t = System.nanoTime();
                    BackupWriter w = BackupWriter.open(OutputStream.nullOutputStream(), c,
                            encrypt ? List.of(AgeIdentity.generate().recipient()) : List.of());
                    for (int off = 0; off < data.length; off += 1 << 20) {
                        w.write(data, off, Math.min(1 << 20, data.length - off));
                    }
                    w.close();
                    double s = (System.nanoTime() - t) / 1e9;
                    if (print) {
                        System.out.printf("%-5s %-10s + sha256  %7.1f MB/s  ratio %.2f  (%.2fx CLI time)%n", c.configName(),
                                encrypt ? "+ age" : "", mb / s, (double) data.length / w.storedBytes(), s / cli);
                    }
                }
            }
        }
    }
}
