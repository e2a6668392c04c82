package dev.lifeboat.drill;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The outcome of one check of a drill.
 *
 * @param name     {@code integrity}, {@code tables}, {@code row-counts}, {@code live-comparison}, or the user check's name
 * @param kind     {@code builtin} or {@code user}
 * @param passed   whether it passed
 * @param observed what was seen (the query's value, "ok", counts...), as text; never a secret
 * @param expected what was required, as text (null for built-in checks that explain themselves)
 * @param message  one sentence for people; for failures it names the check and the value seen
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckResult(String name, String kind, boolean passed, String observed, String expected, String message) {
    public static final String BUILTIN = "builtin";
    public static final String USER = "user";

    static CheckResult builtin(String name, boolean passed, String observed, String message) {
        return new CheckResult(name, BUILTIN, passed, observed, null, message);
    }
}
