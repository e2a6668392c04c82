package dev.lifeboat.sqlite;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Writes a new file and, every {@link #FLUSH_EVERY} bytes, starts an fdatasync of what is written so far in a thread
 * of its own (at most one at a time), so that the fsync that must come before a rename finds little left: at the end
 * of a 1 GB restore a cold fsync took 0.3 s, a quarter of the whole restore (bench/sqlite-restore.sh). The disk writes
 * while this side decodes. Nothing here makes the file durable: the caller still fsyncs it before relying on it.
 */
final class FlushingFileOutput extends OutputStream {
    /** Unflushed bytes after which a background flush starts. */
    static final long FLUSH_EVERY = 64L << 20;

    private final FileChannel channel;
    private long unflushed;
    private CompletableFuture<Void> flushing = CompletableFuture.completedFuture(null);

    FlushingFileOutput(Path file) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        unflushed += len;
        if (unflushed >= FLUSH_EVERY && flushing.isDone()) {
            await(flushing); // a failed flush fails the write
            unflushed = 0;
            flushing = new CompletableFuture<>();
            CompletableFuture<Void> f = flushing;
            Thread.ofPlatform().daemon().name("lifeboat-restore-flush").start(() -> {
                try {
                    channel.force(false);
                    f.complete(null);
                } catch (IOException | RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    /** Waits for a running flush (its thread never outlives the file), then closes the file. */
    @Override
    public void close() throws IOException {
        try {
            flushing.handle((v, e) -> null).join();
            await(flushing);
        } finally {
            channel.close();
        }
    }

    private static void await(CompletableFuture<Void> f) throws IOException {
        try {
            f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new UncheckedIOException(new IOException(e.getCause()));
        }
    }
}
