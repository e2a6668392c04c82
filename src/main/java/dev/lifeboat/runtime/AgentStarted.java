package dev.lifeboat.runtime;

import dev.lifeboat.config.LifeboatConfig;

/**
 * CDI event fired by the CLI once a long-lived run's configuration is valid and installed; the services observe it
 * and start their work on {@code config}.
 */
public record AgentStarted(LifeboatConfig config, RunMode mode) {
}
