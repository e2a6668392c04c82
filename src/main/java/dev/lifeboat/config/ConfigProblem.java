package dev.lifeboat.config;

/**
 * One thing wrong with a configuration file.
 *
 * @param key     dotted path of the offending key as the user wrote it ({@code databases.app.path}), or {@code ""} for the whole file
 * @param message what is wrong and, where we know, what to do instead
 */
public record ConfigProblem(String key, String message) implements Comparable<ConfigProblem> {
    @Override
    public String toString() {
        return key.isEmpty() ? message : key + ": " + message;
    }

    @Override
    public int compareTo(ConfigProblem other) {
        int byKey = key.compareTo(other.key);
        return byKey != 0 ? byKey : message.compareTo(other.message);
    }
}
