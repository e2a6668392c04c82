package dev.lifeboat.runtime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** Says at agent start that {@code LIFEBOAT_LOG_FORMAT} was not understood (the config source cannot log). */
@ApplicationScoped
public class LogFormatWarning {
    private static final Logger LOG = Logger.getLogger(LogFormatWarning.class);

    void onAgentStarted(@Observes AgentStarted started) {
        LogFormatConfigSource.problem().ifPresent(LOG::warn);
    }
}
