package dev.lifeboat.api;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Adjustments to what {@code /q/metrics} exposes. */
public class MetricsCustomization {
    /**
     * Several JVM meters' descriptions contain double quotes, which the Prometheus registry escapes as {@code \"}:
     * an escape the text format does not allow in HELP lines, so promtool (and strict scrapers) reject the page.
     */
    @Produces
    @Singleton
    MeterFilter quoteFreeDescriptions() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String description = id.getDescription();
                if (description == null || description.indexOf('"') < 0) {
                    return id;
                }
                return new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()), id.getBaseUnit(),
                        description.replace('"', '\''), id.getType());
            }
        };
    }
}
