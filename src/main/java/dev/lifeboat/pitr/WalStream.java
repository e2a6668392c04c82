package dev.lifeboat.pitr;

import org.postgresql.copy.CopyDual;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Instant;

/**
 * The COPY BOTH exchange that {@code START_REPLICATION ... PHYSICAL} opens: WAL data ({@code w}) and keepalives
 * ({@code k}) from the server, standby status updates ({@code r}) to it. Spoken here over pgjdbc's copy API rather
 * than its {@code PGReplicationStream}, because that stream cannot ask for a {@code TIMELINE}, which following a
 * promoted server's history needs.
 */
final class WalStream implements AutoCloseable {
    /** Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    /** What one server message says. */
    sealed interface Message permits Data, Keepalive {
    }

    /** WAL bytes starting at {@code start}; {@code serverEnd} is where the server's WAL ends now. */
    record Data(Lsn start, Lsn serverEnd, byte[] bytes, int offset, int length) implements Message {
    }

    /** The server's current WAL end; {@code replyNow} asks for a status update at once. */
    record Keepalive(Lsn serverEnd, boolean replyNow) implements Message {
    }

    private final CopyDual copy;

    WalStream(CopyDual copy) {
        this.copy = copy;
    }

    /** The next message, or null when none is waiting. */
    Message poll() throws SQLException {
        byte[] m = copy.readFromCopy(false);
        if (m == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(m);
        return switch (b.get()) {
            case 'w' -> {
                Lsn start = new Lsn(b.getLong());
                Lsn end = new Lsn(b.getLong());
                b.getLong();
                yield new Data(start, end, m, b.position(), b.remaining());
            }
            case 'k' -> {
                Lsn end = new Lsn(b.getLong());
                b.getLong();
                yield new Keepalive(end, b.get() != 0);
            }
            default -> null;
        };
    }

    /** Whether the server still streams (false once it ended the copy, at the end of a timeline). */
    boolean active() {
        return copy.isActive();
    }

    /**
     * Tells the server what was received ({@code written}) and what is durable ({@code flushed}): a physical slot's
     * {@code restart_lsn} moves to {@code flushed}, so only a position whose WAL is durable in the store goes here.
     */
    void sendStatus(Lsn written, Lsn flushed) throws SQLException {
        ByteBuffer b = ByteBuffer.allocate(34);
        b.put((byte) 'r').putLong(written.value()).putLong(flushed.value()).putLong(flushed.value())
                .putLong(nowMicros() - PG_EPOCH_MICROS).put((byte) 0);
        copy.writeToCopy(b.array(), 0, b.position());
        copy.flushCopy();
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Nothing to do: the stream ends with its connection (cancelling a COPY BOTH would wait for the server). */
    @Override
    public void close() {
    }
}
