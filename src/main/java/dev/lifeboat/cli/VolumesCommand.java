package dev.lifeboat.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lifeboat.runtime.FlyEnvironment;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.volume.Condition;
import dev.lifeboat.volume.FlyMachinesClient;
import dev.lifeboat.volume.VolumeChecker;
import dev.lifeboat.volume.VolumeReport;
import dev.lifeboat.volume.VolumeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lifeboat volumes [--json]}: runs every volume check once (mount, probe, space, inodes, databases and, with
 * {@code FLY_API_TOKEN}, the Fly volume and its snapshots), prints the result and exits 1 when a check fails.
 * Needs no running agent and opens no port.
 */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "volumes", description = "Check every configured volume once (mounted, writable, free space and inodes, "
        + "database files on it, Fly volume and snapshots); exit 1 when a check fails.")
public class VolumesCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print the reports as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** What {@code --json} prints. */
    @io.quarkus.runtime.annotations.RegisterForReflection // Jackson writes it at run time (NativeRegistrationIT)
    record JsonReport(boolean healthy, Map<String, String> fly, String flyApi, List<VolumeStatus.Named> volumes) {
    }

    @Override
    public Integer call() throws Exception {
        LifeboatConfig loaded = config.load();
        FlyMachinesClient fly = FlyMachinesClient.Settings.from(loaded.fly(), System.getenv()).map(FlyMachinesClient::new).orElse(null);
        String machine = System.getenv("FLY_MACHINE_ID");
        List<VolumeReport> reports = new ArrayList<>();
        long sequence = 0;
        for (String name : loaded.volumes().keySet().stream().sorted().toList()) {
            reports.add(new VolumeChecker(name, loaded, fly, machine).check(++sequence, true));
        }
        boolean healthy = reports.stream().allMatch(VolumeReport::healthy);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            JsonReport doc = new JsonReport(healthy, FlyEnvironment.labels(),
                    fly == null ? "skipped (no FLY_API_TOKEN or app name)" : fly.settings().baseUrl(),
                    reports.stream().map(VolumeStatus::named).toList());
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
        } else {
            if (reports.isEmpty()) {
                out.println("no volumes configured (add a volumes: section to " + config.path() + ")");
            }
            for (VolumeReport r : reports) {
                out.println(summary(r));
                for (Condition c : r.failing()) {
                    out.println("  FAIL " + c.kind().id() + ": " + c.reason());
                }
            }
            if (fly == null && !reports.isEmpty()) {
                out.println("Fly volume checks skipped: set FLY_API_TOKEN (and FLY_APP_NAME) to confirm volumes and snapshots with the Fly Machines API");
            }
        }
        out.flush();
        return healthy ? 0 : 1;
    }

    private static String summary(VolumeReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append(r.healthy() ? "ok   " : "FAIL ").append(r.volume()).append(" ").append(r.path());
        if (Boolean.TRUE.equals(r.mounted())) {
            sb.append(": ").append(r.fsType()).append(" ").append(r.source()).append(" on ").append(r.mountPoint())
                    .append(Boolean.TRUE.equals(r.readOnly()) ? " (read-only)" : " (read-write)");
        }
        if (r.freeBytes() != null && r.totalBytes() != null && r.totalBytes() > 0) {
            sb.append(String.format(Locale.ROOT, ", %s free of %s (%.1f%%)", bytes(r.freeBytes()), bytes(r.totalBytes()),
                    100.0 * r.freeBytes() / r.totalBytes()));
        }
        if (r.freeInodes() != null && r.totalInodes() != null && r.totalInodes() > 0) {
            sb.append(String.format(Locale.ROOT, ", inodes %.1f%% free", 100.0 * r.freeInodes() / r.totalInodes()));
        }
        if (r.fsyncLatency() != null) {
            sb.append(String.format(Locale.ROOT, ", fsync %.1fms", r.fsyncLatency().toNanos() / 1e6));
        }
        if (r.fly() != null && r.fly().volumeId() != null) {
            sb.append(", Fly volume ").append(r.fly().volumeId());
            if (r.fly().newestSnapshotAt() != null) {
                sb.append(" (newest snapshot ").append(r.fly().newestSnapshotAt()).append(")");
            }
        }
        return sb.toString();
    }

    private static String bytes(long b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? b + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
