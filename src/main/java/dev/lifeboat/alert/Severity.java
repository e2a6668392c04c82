package dev.lifeboat.alert;

import java.util.Locale;

/** How urgent an alert is; sinks filter on it with {@code min-severity}. Ordered from least to most urgent. */
@io.quarkus.runtime.annotations.RegisterForReflection
public enum Severity {
    INFO, WARNING, CRITICAL;

    /** Parses {@code info}, {@code warning} or {@code critical} (as validated by the configuration). */
    public static Severity parse(String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }

    /** The lower-case name used in configuration and payloads. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean atLeast(Severity other) {
        return compareTo(other) >= 0;
    }
}
