package dev.lifeboat.alert;

import dev.lifeboat.volume.VolumeMonitor;
import dev.lifeboat.volume.VolumeReport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The volume rules from {@link VolumeMonitor}'s latest report of each volume. The volume checks already apply the
 * volume's thresholds ({@code min-free}, {@code min-free-inodes}, {@code max-fsync-latency}...); each check kind
 * becomes one rule ({@code volume-low-space}), reported firing or not so that a cleared check resolves its alert.
 * A volume not checked yet reports nothing.
 */
@ApplicationScoped
public class VolumeConditionSource implements ConditionSource {
    @Inject
    VolumeMonitor monitor;

    @Override
    public List<Condition> conditions(Instant now) {
        List<Condition> out = new ArrayList<>();
        for (VolumeReport report : monitor.reports().values()) {
            out.addAll(conditions(report));
        }
        return out;
    }

    /** One condition per check kind; a missing path counts as {@code volume-unmounted}. */
    static List<Condition> conditions(VolumeReport report) {
        Map<String, Condition> byRule = new LinkedHashMap<>();
        for (dev.lifeboat.volume.Condition.Kind kind : dev.lifeboat.volume.Condition.Kind.values()) {
            String rule = ruleId(kind);
            var failing = report.failing().stream().filter(c -> c.kind() == kind).findFirst();
            Severity severity = kind.severity() == dev.lifeboat.volume.Condition.Severity.CRITICAL ? Severity.CRITICAL : Severity.WARNING;
            Map<String, String> values = new LinkedHashMap<>();
            values.put("checkedAt", report.checkedAt().toString());
            if (report.freeBytes() != null) {
                values.put("freeBytes", report.freeBytes().toString());
            }
            if (report.freeInodes() != null) {
                values.put("freeInodes", report.freeInodes().toString());
            }
            if (report.fsyncLatency() != null) {
                values.put("fsyncLatency", report.fsyncLatency().toString());
            }
            Condition c = new Condition(rule, report.volume(), severity, failing.isPresent(),
                    failing.map(f -> "volume " + report.volume() + " (" + report.path() + "): " + f.reason())
                            .orElse("volume " + report.volume() + " (" + report.path() + "): " + kind.id().replace('_', ' ') + " check passes"),
                    Map.of("volume", report.volume(), "path", report.path()), values);
            byRule.merge(rule, c, (a, b) -> a.firing() ? a : b);
        }
        return List.copyOf(byRule.values());
    }

    /** {@code LOW_SPACE} → {@code volume-low-space}; a missing path and a missing mount are both {@code volume-unmounted}. */
    static String ruleId(dev.lifeboat.volume.Condition.Kind kind) {
        return switch (kind) {
            case PATH_MISSING, NOT_MOUNTED -> VolumeRules.UNMOUNTED;
            default -> "volume-" + kind.id().replace('_', '-');
        };
    }
}
