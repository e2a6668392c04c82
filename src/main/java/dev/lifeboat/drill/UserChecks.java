package dev.lifeboat.drill;

import dev.lifeboat.config.DatabaseConfig.CheckConfig;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Runs the user's drill checks against a restored copy: each query's first value must meet its expectation. */
final class UserChecks {
    private static final int MAX_OBSERVED = 200;

    private UserChecks() {
    }

    /**
     * Runs every check (in name order) on {@code c}; returns their results. A query error fails its check with the
     * database's message. {@code backupTime} is what {@code newer than backup} refers to.
     */
    static List<CheckResult> run(Connection c, Map<String, CheckConfig> checks, Instant backupTime, Instant now, int timeoutSeconds) {
        List<CheckResult> out = new ArrayList<>();
        for (var e : new TreeMap<>(checks).entrySet()) {
            out.add(runOne(c, e.getKey(), e.getValue(), backupTime, now, timeoutSeconds));
        }
        return out;
    }

    static CheckResult runOne(Connection c, String name, CheckConfig check, Instant backupTime, Instant now, int timeoutSeconds) {
        Expectation expectation = Expectation.parse(check.expect());
        Object value;
        try (Statement st = c.createStatement()) {
            st.setQueryTimeout(Math.max(0, timeoutSeconds));
            try (ResultSet rs = st.executeQuery(check.query())) {
                value = rs.next() ? rs.getObject(1) : null;
            }
        } catch (SQLException e) {
            return new CheckResult(name, CheckResult.USER, false, null, expectation.describe(),
                    "check '" + name + "' could not run: " + e.getMessage());
        }
        String observed = show(value);
        boolean passed = expectation.test(value, backupTime, now);
        String limit = expectation instanceof Expectation.NewerThan n ? " (after " + n.limit(backupTime, now) + ")" : "";
        String message = passed
                ? "check '" + name + "' passed: " + observed + " " + expectation.describe() + limit
                : "check '" + name + "' failed: expected " + expectation.describe() + limit + ", saw " + observed;
        return new CheckResult(name, CheckResult.USER, passed, observed, expectation.describe(), message);
    }

    /** A value as people read it: times as ISO-8601, NULL as {@code null}, long text shortened. */
    static String show(Object value) {
        if (value == null) {
            return "null";
        }
        String s;
        if (value instanceof java.sql.Timestamp || value instanceof java.time.temporal.Temporal) {
            Instant t = Expectation.time(value);
            s = t != null ? t.toString() : value.toString();
        } else if (value instanceof byte[] b) {
            s = "<" + b.length + " bytes>";
        } else {
            s = value.toString();
        }
        return s.length() > MAX_OBSERVED ? s.substring(0, MAX_OBSERVED) + "..." : s;
    }
}
