package dev.lifeboat.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Alert rules' thresholds and the sinks notifications go to. */
public interface AlertsConfig {
    /** How long a condition must hold before its alert fires. */
    @WithName("for")
    @WithDefault("0s")
    Duration pendingFor();

    /** How often a still-firing alert is sent again. */
    @WithName("repeat-interval")
    @WithDefault("4h")
    Duration repeatInterval();

    /** Named notification targets. */
    Map<String, SinkConfig> sinks();

    /** One notification target. */
    interface SinkConfig {
        /** {@code webhook}, {@code slack}, {@code discord}, {@code pagerduty}, {@code alertmanager} or {@code healthchecks}. */
        String type();

        /** Where to send. May hold a token; never printed. */
        String url();

        /** Webhook HMAC signing secret, PagerDuty routing key. Never printed. */
        Optional<String> secret();

        /** Lowest severity sent: {@code info}, {@code warning} or {@code critical}. */
        @WithName("min-severity")
        @WithDefault("warning")
        String minSeverity();

        /** Only these rules (all when absent). */
        Optional<List<String>> rules();
    }
}
