package dev.lifeboat.drill;

import java.util.ArrayList;
import java.util.List;

/** A drill record as text for people ({@code lifeboat drill DB}) and as JSON ({@code --json}). */
public final class DrillReport {
    private DrillReport() {
    }

    public static String json(DrillRecord r) {
        try {
            return DrillHistory.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<String> text(DrillRecord r) {
        List<String> lines = new ArrayList<>();
        lines.add("drill " + r.id() + " of " + r.database() + " (" + r.type() + "): " + r.outcome().toUpperCase());
        if (r.backupId() != null) {
            lines.add("  backup      " + r.backupId() + (r.backupTime() != null ? " (data as of " + r.backupTime() + ")" : ""));
        }
        if (r.restoreMillis() != null) {
            lines.add("  restore     " + r.restoreMillis() + " ms (RTO), " + r.storedBytes() + " bytes downloaded"
                    + (r.restoredBytes() >= 0 ? ", " + r.restoredBytes() + " bytes restored" : ""));
        }
        if (r.rpoSeconds() != null) {
            lines.add("  data age    " + r.rpoSeconds() + " s at drill start (RPO)");
        }
        if (r.scratch() != null) {
            lines.add("  scratch     " + r.scratch() + " (removed)");
        }
        for (CheckResult c : r.checks()) {
            lines.add("  " + (c.passed() ? "ok   " : "FAIL ") + c.name() + ": " + c.message());
        }
        lines.add("  took        " + r.durationMillis() + " ms");
        if (r.error() != null) {
            lines.add("  error       " + r.error());
        }
        return lines;
    }
}
