package dev.lifeboat.config;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.quarkus.runtime.configuration.DurationConverter;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * When something recurring runs: a fixed interval ({@code 1h}, {@code 30m}, {@code 1d}) or a classic 5-field cron
 * expression in UTC ({@code "0 3 * * *"}: minute hour day-of-month month day-of-week, with {@code *}, lists,
 * ranges and {@code /step}; day-of-week 0 or 7 is Sunday).
 */
public sealed interface Schedule permits Schedule.Interval, Schedule.Cron {

    /** The first run strictly after {@code after}. */
    Instant next(Instant after);

    /** The schedule as the configuration writes it ({@code 1h}, {@code 0 3 * * *}); status output shows this. */
    default String text() {
        return switch (this) {
            case Interval interval -> interval.written();
            case Cron cron -> cron.expression();
        };
    }

    /** Parses a schedule; the exception's message says what is wrong in words a user can act on. */
    static Schedule parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("empty schedule; write an interval such as 1h or a cron expression such as \"0 3 * * *\"");
        }
        if (trimmed.split("\\s+").length == 5) {
            return Cron.parse(trimmed);
        }
        Duration every;
        try {
            every = DurationConverter.parseDuration(trimmed);
        } catch (RuntimeException e) {
            every = null;
        }
        if (every == null || every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("'" + text + "' is neither an interval (30s, 15m, 1h, 1d) nor a 5-field cron expression (\"0 3 * * *\")");
        }
        return new Interval(every, text);
    }

    /** Runs every {@code every}, counted from the previous run; {@code written} is how the configuration says it. */
    record Interval(Duration every, String written) implements Schedule {
        @Override
        public Instant next(Instant after) {
            return after.plus(every);
        }

        @Override
        public String toString() {
            return "every " + every;
        }
    }

    /**
     * A cron expression evaluated in UTC with one-minute resolution by cron-utils (its UNIX definition: the classic
     * fields, names, day-of-week 7 as Sunday, and either day field matching when both are restricted). cron-utils
     * is the library quarkus-scheduler runs on, so it costs no new dependency in the JVM or the native image.
     */
    final class Cron implements Schedule {
        private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
        private static final String[] FIELD_NAMES = {"minute", "hour", "day-of-month", "month", "day-of-week"};
        private static final int[][] FIELD_RANGES = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};

        private final String expression;
        private final ExecutionTime times;

        private Cron(String expression, ExecutionTime times) {
            this.expression = expression;
            this.times = times;
        }

        static Cron parse(String expression) {
            String[] fields = expression.split("\\s+");
            ExecutionTime times;
            try {
                times = ExecutionTime.forCron(PARSER.parse(String.join(" ", fields)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(explain(fields, e), e);
            }
            Cron cron = new Cron(expression, times);
            if (cron.next(Instant.parse("2000-01-01T00:00:00Z")) == null) {
                throw new IllegalArgumentException("cron expression '" + expression + "' never matches a real date");
            }
            return cron;
        }

        /** The expression as written. */
        public String expression() {
            return expression;
        }

        /** Never null: a cron without a next run was refused by {@link #parse}. */
        @Override
        public Instant next(Instant after) {
            return times.nextExecution(after.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES))
                    .map(ZonedDateTime::toInstant).orElse(null);
        }

        /**
         * Names the field and the value cron-utils refused, asking cron-utils about each piece alone: a value out of
         * range or unknown, a step, or a range that runs backwards.
         */
        private static String explain(String[] fields, IllegalArgumentException refusal) {
            for (int i = 0; i < fields.length; i++) {
                if (accepts(i, fields[i])) {
                    continue;
                }
                String name = FIELD_NAMES[i];
                for (String part : fields[i].split(",")) {
                    if (accepts(i, part)) {
                        continue;
                    }
                    int slash = part.indexOf('/');
                    String range = slash < 0 ? part : part.substring(0, slash);
                    if (slash >= 0 && !isNumber(part.substring(slash + 1), 1, FIELD_RANGES[i][1])) {
                        return notANumber(name, part.substring(slash + 1), 1, FIELD_RANGES[i][1]);
                    }
                    String[] ends = range.split("-", -1);
                    for (String end : ends) {
                        if (!end.equals("*") && !accepts(i, end)) {
                            return notANumber(name, end, FIELD_RANGES[i][0], FIELD_RANGES[i][1]);
                        }
                    }
                    if (ends.length == 2) {
                        return "cron " + name + " range '" + range.toLowerCase(Locale.ROOT) + "' runs backwards";
                    }
                }
            }
            return "cron expression '" + String.join(" ", fields) + "' is not valid: "
                    + refusal.getMessage().replace("Failed to parse cron expression. ", "");
        }

        /** Whether cron-utils accepts {@code value} as field {@code index} with every other field {@code *}. */
        private static boolean accepts(int index, String value) {
            String[] probe = {"*", "*", "*", "*", "*"};
            probe[index] = value;
            try {
                PARSER.parse(String.join(" ", probe));
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        private static boolean isNumber(String text, int min, int max) {
            try {
                int value = Integer.parseInt(text);
                return value >= min && value <= max;
            } catch (NumberFormatException e) {
                return false;
            }
        }

        private static String notANumber(String name, String text, int min, int max) {
            return "cron " + name + " '" + text.toLowerCase(Locale.ROOT) + "' is not a number from " + min + " to " + max;
        }

        @Override
        public String toString() {
            return "cron '" + expression + "' (UTC)";
        }
    }
}
