package dev.lifeboat.testing;

import org.jboss.logmanager.ExtLogRecord;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what one logger category logs while it is open (a java.util.logging handler: JBoss Logging ends up in
 * the JBoss LogManager, which surefire installs).
 * <pre>{@code
 * try (LogCapture log = LogCapture.of(Replicator.class)) {
 *     ...
 *     assertEquals(1, log.lines(Level.WARNING, "sync failed").size());
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {
    private final Logger category;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(Logger category) {
        this.category = category;
        category.addHandler(handler);
    }

    /** Starts collecting what {@code type}'s logger category logs. */
    public static LogCapture of(Class<?> type) {
        return new LogCapture(Logger.getLogger(type.getName()));
    }

    /** The formatted lines logged at {@code level} or above whose text contains {@code text}. */
    public List<String> lines(Level level, String text) {
        return records.stream()
                .filter(r -> r.getLevel().intValue() >= level.intValue())
                .map(r -> r instanceof ExtLogRecord ext ? ext.getFormattedMessage() : r.getMessage())
                .filter(m -> m != null && m.contains(text))
                .toList();
    }

    @Override
    public void close() {
        category.removeHandler(handler);
    }
}
