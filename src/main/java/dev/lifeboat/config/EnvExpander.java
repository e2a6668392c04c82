package dev.lifeboat.config;

import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands {@code ${VAR}} and {@code ${VAR:default}} in configuration values from the environment (Fly secrets
 * arrive as environment variables). {@code $$} stands for a literal {@code $}.
 */
final class EnvExpander {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?}");

    private final Function<String, String> environment;

    EnvExpander(Map<String, String> environment) {
        this.environment = environment::get;
    }

    /** Thrown for {@code ${VAR}} without a default when VAR is not set. */
    static final class UnsetVariableException extends Exception {
        UnsetVariableException(String variable) {
            super("environment variable " + variable + " is not set (use ${" + variable + ":default} to give a default)");
        }
    }

    String expand(String value) throws UnsetVariableException {
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else {
                String set = environment.apply(m.group(1));
                if (set != null) {
                    replacement = set;
                } else if (m.group(2) != null) {
                    replacement = m.group(2);
                } else {
                    throw new UnsetVariableException(m.group(1));
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
