package dev.lifeboat.config;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.List;

/**
 * What kind of database an entry under {@code databases} is; it decides which keys apply and which services
 * protect it. Decisions on it are switch expressions, so a third type is a compile error at every place that must
 * handle it.
 */
public enum DatabaseType {
    /** Replicated continuously from its file ({@code path}), Litestream-style. */
    SQLITE("sqlite"),
    /** Dumped with pg_dump from {@code url} on {@code schedule}. */
    POSTGRES("postgres");

    private final String configName;

    DatabaseType(String configName) {
        this.configName = configName;
    }

    /** The name written in configuration, manifests and status output: {@code sqlite} or {@code postgres}. */
    @JsonValue
    public String configName() {
        return configName;
    }

    /** The type called {@code name} in configuration; the exception lists the accepted names. */
    public static DatabaseType named(String name) {
        String wanted = name.trim();
        for (DatabaseType t : values()) {
            if (t.configName.equals(wanted)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown type '" + name + "'; use " + accepted());
    }

    /** {@code sqlite or postgres}: the accepted names as a message lists them. */
    static String accepted() {
        List<String> names = Arrays.stream(values()).map(DatabaseType::configName).toList();
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }

    /** Messages and logs say {@code sqlite database}, as the user wrote it. */
    @Override
    public String toString() {
        return configName;
    }
}
