package dev.lifeboat.runtime;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Chooses the console log format from {@code LIFEBOAT_LOG_FORMAT}: {@code json} writes one JSON event per line
 * (Quarkus's JSON console, with the MDC fields {@code database} and {@code job} at the top level) for log shipping;
 * {@code text} or unset keeps the human-readable lines. The JSON console's switch is a run-time property, so one
 * build serves both and nothing is decided while building. An unknown value keeps text (a log format is no reason
 * to refuse to back up) and is reported by {@link #problem()} at start.
 */
public class LogFormatConfigSource implements ConfigSource {
    public static final String VARIABLE = "LIFEBOAT_LOG_FORMAT";
    static final Set<String> FORMATS = Set.of("json", "text");

    private final Map<String, String> properties;

    public LogFormatConfigSource() {
        properties = "json".equals(format(System.getenv(VARIABLE))) ? Map.of("quarkus.log.console.json.enabled", "true") : Map.of();
    }

    private static String format(String value) {
        return value == null ? "text" : value.trim().toLowerCase(Locale.ROOT);
    }

    /** Why {@code LIFEBOAT_LOG_FORMAT} was not understood, if it was not. */
    public static java.util.Optional<String> problem() {
        String value = System.getenv(VARIABLE);
        if (value == null || FORMATS.contains(format(value))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(VARIABLE + "='" + value + "' is not a log format; use json or text (logging as text)");
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "lifeboat-log-format";
    }

    /** Above application.properties (250), below environment variables (300) and system properties (400). */
    @Override
    public int getOrdinal() {
        return 275;
    }
}
