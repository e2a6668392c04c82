package dev.lifeboat.drill;

import io.quarkus.runtime.configuration.DurationConverter;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a user check's observed value must be, parsed from the {@code expect:} text of a drill check:
 * <ul>
 *   <li>{@code >= 1}, {@code > 0}, {@code == 0}, {@code != 3}, {@code < 10}, {@code <= 10}: compared as numbers;</li>
 *   <li>{@code == 'text'}, {@code != 'text'}: compared as text;</li>
 *   <li>{@code not null}, {@code null};</li>
 *   <li>{@code newer than backup - 1d} / {@code newer than now - 2h}: the value is a time (a SQL timestamp, ISO-8601
 *   text, {@code yyyy-MM-dd HH:mm:ss} text taken as UTC, or Unix seconds) after the time the restored data represents
 *   (or the drill's start) minus the duration.</li>
 * </ul>
 */
public sealed interface Expectation {
    /** Whether {@code observed} (null for SQL NULL or no row) meets the expectation at the given reference times. */
    boolean test(Object observed, Instant backupTime, Instant now);

    /** The expectation as the user wrote it, normalised. */
    String describe();

    Pattern COMPARISON = Pattern.compile("^(>=|<=|==|!=|=|>|<)\\s*(.+)$");
    Pattern NEWER = Pattern.compile("^newer\\s+than\\s+(backup|now)(?:\\s*-\\s*(\\S+))?$", Pattern.CASE_INSENSITIVE);

    /** Parses {@code text}; the exception's message says what is wrong and shows the accepted forms. */
    static Expectation parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.equalsIgnoreCase("not null")) {
            return new NullTest(false);
        }
        if (t.equalsIgnoreCase("null")) {
            return new NullTest(true);
        }
        Matcher newer = NEWER.matcher(t);
        if (newer.matches()) {
            Duration slack = Duration.ZERO;
            if (newer.group(2) != null) {
                try {
                    slack = DurationConverter.parseDuration(newer.group(2));
                } catch (RuntimeException e) {
                    slack = null;
                }
                if (slack == null || slack.isNegative()) {
                    throw new IllegalArgumentException("'" + newer.group(2) + "' in '" + text + "' is not a duration such as 1d, 12h or 30m");
                }
            }
            return new NewerThan(newer.group(1).equalsIgnoreCase("backup"), slack);
        }
        Matcher cmp = COMPARISON.matcher(t);
        if (cmp.matches()) {
            String op = cmp.group(1).equals("=") ? "==" : cmp.group(1);
            String operand = cmp.group(2).trim();
            if (operand.length() >= 2 && (operand.startsWith("'") && operand.endsWith("'") || operand.startsWith("\"") && operand.endsWith("\""))) {
                if (!op.equals("==") && !op.equals("!=")) {
                    throw new IllegalArgumentException("'" + text + "': text can only be compared with == or !=");
                }
                return new TextComparison(op, operand.substring(1, operand.length() - 1));
            }
            try {
                return new NumberComparison(op, new BigDecimal(operand));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + operand + "' in '" + text + "' is not a number; quote text: == 'value'");
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an expectation; write a comparison (>= 1, == 0, != 'x'), "
                + "not null, or newer than backup - 1d");
    }

    /** A numeric comparison; a value that is not a number fails it. */
    record NumberComparison(String op, BigDecimal operand) implements Expectation {
        @Override
        public boolean test(Object observed, Instant backupTime, Instant now) {
            BigDecimal v = number(observed);
            if (v == null) {
                return false;
            }
            int c = v.compareTo(operand);
            return switch (op) {
                case ">=" -> c >= 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                case "<" -> c < 0;
                case "==" -> c == 0;
                case "!=" -> c != 0;
                default -> throw new IllegalStateException(op);
            };
        }

        @Override
        public String describe() {
            return op + " " + operand.toPlainString();
        }
    }

    /** Text equality or inequality. */
    record TextComparison(String op, String operand) implements Expectation {
        @Override
        public boolean test(Object observed, Instant backupTime, Instant now) {
            boolean equal = observed != null && operand.equals(observed.toString());
            return op.equals("==") == equal;
        }

        @Override
        public String describe() {
            return op + " '" + operand + "'";
        }
    }

    /** {@code null} / {@code not null}. */
    record NullTest(boolean mustBeNull) implements Expectation {
        @Override
        public boolean test(Object observed, Instant backupTime, Instant now) {
            return (observed == null) == mustBeNull;
        }

        @Override
        public String describe() {
            return mustBeNull ? "null" : "not null";
        }
    }

    /** The value, read as a time, is after the reference time minus {@code slack}. */
    record NewerThan(boolean relativeToBackup, Duration slack) implements Expectation {
        @Override
        public boolean test(Object observed, Instant backupTime, Instant now) {
            Instant t = time(observed);
            return t != null && t.isAfter(limit(backupTime, now));
        }

        /** The time the value must be after. */
        public Instant limit(Instant backupTime, Instant now) {
            return (relativeToBackup ? backupTime : now).minus(slack);
        }

        @Override
        public String describe() {
            return "newer than " + (relativeToBackup ? "backup" : "now") + (slack.isZero() ? "" : " - " + slack);
        }
    }

    /** A number from a JDBC value (numbers, numeric text, booleans as 0/1), or null. */
    static BigDecimal number(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Boolean b) {
            return b ? BigDecimal.ONE : BigDecimal.ZERO;
        }
        if (v instanceof BigDecimal d) {
            return d;
        }
        try {
            return new BigDecimal(v.toString().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    DateTimeFormatter SQL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSSSSS][.SSSSSS][.SSS]");

    /** A time from a JDBC value: SQL timestamps, java.time values, ISO-8601 or SQL text (UTC), Unix seconds; or null. */
    static Instant time(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof java.sql.Timestamp ts) {
            return ts.toInstant();
        }
        if (v instanceof java.sql.Date d) {
            return d.toLocalDate().atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        if (v instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        if (v instanceof LocalDateTime l) {
            return l.toInstant(ZoneOffset.UTC);
        }
        if (v instanceof Instant i) {
            return i;
        }
        if (v instanceof Number n) {
            long x = n.longValue();
            return x > 100_000_000_000L ? Instant.ofEpochMilli(x) : Instant.ofEpochSecond(x);
        }
        String s = v.toString().trim();
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException ignored) {
            // next form
        }
        try {
            return LocalDateTime.parse(s.replace('T', ' '), SQL_TIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // next form
        }
        try {
            return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException ignored) {
            // next form
        }
        BigDecimal n = number(s);
        return n == null ? null : time(n.longValue());
    }
}
