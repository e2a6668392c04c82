package dev.lifeboat.volume;

/**
 * The reason a report gives for one condition. Tests look conditions up by kind, never by position: the machine
 * running them may have a condition of its own (a nearly full disk adds low_space to every root-disk path).
 */
final class Reasons {
    private Reasons() {
    }

    static String of(VolumeReport report, Condition.Kind kind) {
        return report.failing().stream().filter(c -> c.kind() == kind).map(Condition::reason).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in " + report.failing()));
    }
}
