package dev.lifeboat.store;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An object being written. Bytes written are not visible until {@link #complete()}; {@link #close()} without a
 * successful {@code complete()} aborts, which makes try-with-resources safe on every exception path.
 */
public abstract class Upload extends OutputStream {
    /** Makes the object visible under its key and returns what was stored. May be called once. */
    public abstract ObjectInfo complete() throws IOException;

    /** Discards everything written. Idempotent; never throws for a store that has gone away. */
    public abstract void abort();

    /** Aborts unless {@link #complete()} succeeded. */
    @Override
    public abstract void close();
}
