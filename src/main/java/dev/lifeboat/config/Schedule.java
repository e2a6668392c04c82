package dev.lifeboat.config;

import io.quarkus.runtime.configuration.DurationConverter;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
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

    /** A cron expression evaluated in UTC with one-minute resolution. */
    record Cron(String expression, BitSet minutes, BitSet hours, BitSet days, BitSet months, BitSet weekdays,
                boolean anyDay, boolean anyWeekday) implements Schedule {
        private static final String[] MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
        private static final String[] WEEKDAYS = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
        /** Far enough to cover Feb 29th in leap years; a cron that never matches is rejected at parse time anyway. */
        private static final int MAX_DAYS_SEARCHED = 366 * 5;

        static Cron parse(String expression) {
            String[] f = expression.split("\\s+");
            BitSet weekdays = field(f[4], "day-of-week", 0, 7, WEEKDAYS, 0);
            if (weekdays.get(7)) {
                weekdays.set(0);
            }
            Cron cron = new Cron(expression, field(f[0], "minute", 0, 59, null, 0), field(f[1], "hour", 0, 23, null, 0),
                    field(f[2], "day-of-month", 1, 31, null, 1), field(f[3], "month", 1, 12, MONTHS, 1), weekdays,
                    f[2].equals("*"), f[4].equals("*"));
            if (cron.next(Instant.parse("2000-01-01T00:00:00Z")) == null) {
                throw new IllegalArgumentException("cron expression '" + expression + "' never matches a real date");
            }
            return cron;
        }

        private static BitSet field(String text, String name, int min, int max, String[] names, int nameBase) {
            BitSet bits = new BitSet();
            for (String part : text.toLowerCase(Locale.ROOT).split(",")) {
                String range = part;
                int step = 1;
                int slash = part.indexOf('/');
                if (slash >= 0) {
                    range = part.substring(0, slash);
                    step = number(part.substring(slash + 1), name, 1, max, null, 0);
                }
                int from;
                int to;
                if (range.equals("*")) {
                    from = min;
                    to = max;
                } else if (range.contains("-")) {
                    String[] ends = range.split("-", 2);
                    from = number(ends[0], name, min, max, names, nameBase);
                    to = number(ends[1], name, min, max, names, nameBase);
                } else {
                    from = number(range, name, min, max, names, nameBase);
                    to = slash >= 0 ? max : from;
                }
                if (from > to) {
                    throw new IllegalArgumentException("cron " + name + " range '" + range + "' runs backwards");
                }
                for (int v = from; v <= to; v += step) {
                    bits.set(v);
                }
            }
            return bits;
        }

        private static int number(String text, String name, int min, int max, String[] names, int nameBase) {
            if (names != null) {
                for (int i = 0; i < names.length; i++) {
                    if (names[i].equals(text)) {
                        return i + nameBase;
                    }
                }
            }
            try {
                int value = Integer.parseInt(text);
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("cron " + name + " '" + text + "' is not a number from " + min + " to " + max);
        }

        @Override
        public Instant next(Instant after) {
            ZonedDateTime t = after.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
            ZonedDateTime limit = t.plusDays(MAX_DAYS_SEARCHED);
            while (t.isBefore(limit)) {
                if (!months.get(t.getMonthValue()) || !dayMatches(t)) {
                    t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
                } else if (!hours.get(t.getHour())) {
                    t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
                } else if (!minutes.get(t.getMinute())) {
                    t = t.plusMinutes(1);
                } else {
                    return t.toInstant();
                }
            }
            return null;
        }

        /** Classic cron: when both day fields are restricted, either may match. */
        private boolean dayMatches(ZonedDateTime t) {
            boolean day = days.get(t.getDayOfMonth());
            boolean weekday = weekdays.get(t.getDayOfWeek().getValue() % 7);
            if (anyDay || anyWeekday) {
                return day && weekday;
            }
            return day || weekday;
        }

        @Override
        public String toString() {
            return "cron '" + expression + "' (UTC)";
        }
    }
}
