package dev.lifeboat.config;

import org.eclipse.microprofile.config.spi.Converter;

/**
 * Reads {@code schedule:} keys, so a schedule is parsed once, when the configuration is loaded; the message of a
 * malformed one names both accepted forms (an interval or a 5-field cron expression).
 */
public final class ScheduleConverter implements Converter<Schedule> {
    @Override
    public Schedule convert(String value) {
        return Schedule.parse(value);
    }
}
