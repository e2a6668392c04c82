package dev.lifeboat.postgres;

import dev.lifeboat.config.DatabaseConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which tables a backup holds: pg_dump's {@code --schema}, {@code --exclude-schema}, {@code --table} and
 * {@code --exclude-table} patterns, given both to pg_dump and, as the same rules in SQL, to the query that lists the
 * manifest's tables (so a drill never looks for a table the backup left out).
 *
 * <p>Patterns follow psql's rules as pg_dump applies them: unquoted letters fold to lower case, {@code *} and
 * {@code ?} are wildcards, an unquoted {@code .} separates schema from name, double quotes keep text literal, other
 * regular-expression syntax passes through, and the whole name must match. A table pattern without a schema matches
 * only tables visible on the search path. When any {@code --table} is given, schema patterns do not apply.
 */
public record PgSelection(List<String> schemas, List<String> excludeSchemas, List<String> tables, List<String> excludeTables) {

    /** From a database's {@code pg-dump} section. */
    public static PgSelection of(DatabaseConfig.PgDumpConfig c) {
        return new PgSelection(c.schemas().orElse(List.of()), c.excludeSchemas().orElse(List.of()),
                c.tables().orElse(List.of()), c.excludeTables().orElse(List.of()));
    }

    /** The pg_dump options. */
    public List<String> pgDumpArgs() {
        List<String> args = new ArrayList<>();
        schemas.forEach(v -> args.add("--schema=" + v));
        excludeSchemas.forEach(v -> args.add("--exclude-schema=" + v));
        tables.forEach(v -> args.add("--table=" + v));
        excludeTables.forEach(v -> args.add("--exclude-table=" + v));
        return args;
    }

    /**
     * A boolean SQL condition on {@code n} (pg_namespace) and {@code c} (pg_class) that is true for the tables this
     * selection dumps; {@code params} receives the values of its {@code ?} placeholders, in order.
     */
    String sqlCondition(List<String> params) {
        List<String> all = new ArrayList<>();
        if (!tables.isEmpty()) {
            all.add(anyOf(tables, params, true));
        } else {
            if (!schemas.isEmpty()) {
                all.add(anyOf(schemas, params, false));
            }
            if (!excludeSchemas.isEmpty()) {
                all.add("NOT " + anyOf(excludeSchemas, params, false));
            }
        }
        if (!excludeTables.isEmpty()) {
            all.add("NOT " + anyOf(excludeTables, params, true));
        }
        return all.isEmpty() ? "true" : String.join(" AND ", all);
    }

    private static String anyOf(List<String> patterns, List<String> params, boolean tablePatterns) {
        List<String> terms = new ArrayList<>();
        for (String p : patterns) {
            List<String> parts = regexParts(p);
            String name = parts.getLast();
            if (!tablePatterns) {
                params.add(name);
                terms.add("n.nspname ~ ?");
            } else if (parts.size() == 1) {
                params.add(name);
                terms.add("(pg_catalog.pg_table_is_visible(c.oid) AND c.relname ~ ?)");
            } else {
                params.add(parts.get(parts.size() - 2));
                params.add(name);
                terms.add("(n.nspname ~ ? AND c.relname ~ ?)");
            }
        }
        return "(" + String.join(" OR ", terms) + ")";
    }

    /** The pattern's dot-separated parts, each as an anchored regular expression. */
    static List<String> regexParts(String pattern) {
        List<String> parts = new ArrayList<>();
        StringBuilder re = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < pattern.length(); i++) {
            char ch = pattern.charAt(i);
            if (ch == '"') {
                if (quoted && i + 1 < pattern.length() && pattern.charAt(i + 1) == '"') {
                    re.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (quoted) {
                re.append("|*+?()[]{}.^$\\".indexOf(ch) >= 0 ? "\\" + ch : String.valueOf(ch));
            } else if (ch == '.') {
                parts.add("^(" + re + ")$");
                re.setLength(0);
            } else if (ch == '*') {
                re.append(".*");
            } else if (ch == '?') {
                re.append('.');
            } else if (ch == '$') {
                re.append("\\$");
            } else {
                re.append(String.valueOf(ch).toLowerCase(Locale.ROOT));
            }
        }
        parts.add("^(" + re + ")$");
        return parts;
    }
}
