package dev.lifeboat.stream.lz4;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decompresses a stream of LZ4 frames with the blocks of each independent-block frame decompressed in parallel, in
 * pure Java ({@link Lz4Block} and {@link XxHash32}: no JNI, no Unsafe, for the native image). Built for restores: a
 * snapshot is the whole database, and decoding it on one thread was the slowest step (bench/sqlite-restore.sh).
 *
 * <p>Three kinds of thread share the work. One reader pulls the compressed stream, parses frames and cuts them into
 * blocks; a small pool decompresses blocks and checks block checksums; the caller's thread takes the blocks back in
 * order, feeds the content checksum (xxHash32 is sequential, so it cannot be split) and hands the bytes out —
 * {@link #transferTo} writes straight from the block buffers. Block buffers are reused and their total is bounded by
 * {@link #BUDGET} whatever the block size (64 KiB .. 4 MiB), so the agent's small heap holds a few blocks, never the
 * object.
 *
 * <p>Concatenated and skippable frames are read like lz4-java's {@code LZ4FrameInputStream}. Frames with dependent
 * blocks (a block may copy from the ones before; {@code lz4 -BD}, never Litestream or Lifeboat) cannot be cut up and
 * are decoded sequentially in the reader thread (lz4-java refuses them). Damage (checksums, malformed blocks, a
 * truncated stream) is an IOException whose message says so; the content checksum is checked at the end of each
 * frame, so bytes handed out before it are only known good once the stream has ended cleanly.
 *
 * <p>Always close it (try-with-resources): close() stops the threads and closes the source, also midway.
 */
final class ParallelLz4Input extends InputStream {
    /** Bytes of block buffers in flight (read ahead, being decompressed, or waiting for the caller): four 4 MiB blocks. */
    static final int BUDGET = 16 << 20;
    /** How far back an LZ4 match can reach. */
    private static final int HISTORY = 64 << 10;
    /** Items queued ahead of the caller; bounds memory also for frames without blocks. */
    private static final int QUEUE = 64;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /** What travels from the reader to the caller, in stream order. */
    private sealed interface Item {
    }

    /** Decompressed bytes in a pooled buffer, which goes back to the pool (and its {@code permits} to the budget) once handed out. */
    private record Data(byte[] bytes, int length, int permits) implements Item {
    }

    /** The end of a frame: its content checksum (when the frame has one) and announced size (or -1). */
    private record FrameEnd(boolean hasChecksum, int checksum, long contentSize) implements Item {
    }

    private record End() implements Item {
    }

    private final InputStream source;
    private final Semaphore budget = new Semaphore(BUDGET);
    private final ConcurrentLinkedQueue<byte[]> freeBuffers = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<Future<Item>> pending = new ArrayBlockingQueue<>(QUEUE);
    private final ThreadPoolExecutor workers;
    /** Every worker thread started, joined by close(): the pool reports termination before its last thread has ended. */
    private final List<Thread> workerThreads = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean closed;

    // The caller's side (only the caller's thread touches these).
    private final XxHash32 contentHash = new XxHash32(0);
    private long frameBytes;
    private Data current;
    private int position;
    private boolean ended;
    private IOException failure;

    ParallelLz4Input(InputStream source) {
        this(source, Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
    }

    ParallelLz4Input(InputStream source, int threads) {
        this.source = source;
        int id = SEQUENCE.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        // Idle workers end by themselves, so even a stream nobody closes leaves no thread behind once read to the end.
        this.workers = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "lifeboat-lz4-" + id + "-decode-" + n.incrementAndGet());
            t.setDaemon(true);
            workerThreads.add(t);
            return t;
        });
        workers.allowCoreThreadTimeOut(true);
        this.reader = new Thread(this::readAll, "lifeboat-lz4-" + id + "-read");
        reader.setDaemon(true);
        reader.start();
    }

    // ---- reader thread ----

    private void readAll() {
        try {
            boolean sawFrame = false;
            while (true) {
                byte[] word = source.readNBytes(4);
                if (word.length == 0 && sawFrame) {
                    break;
                }
                if (word.length < 4) {
                    throw new IOException(word.length == 0 ? "empty object: not an LZ4 stream"
                            : "LZ4 stream ends in a frame's magic number: the object is truncated");
                }
                int magic = Lz4FrameHeader.le32(word, 0);
                if ((magic & Lz4FrameHeader.SKIPPABLE_MASK) == Lz4FrameHeader.SKIPPABLE_MAGIC) {
                    long skip = readInt() & 0xFFFFFFFFL;
                    try {
                        source.skipNBytes(skip);
                    } catch (EOFException e) {
                        throw new EOFException("LZ4 stream ends in a skippable frame: the object is truncated");
                    }
                    sawFrame = true;
                    continue;
                }
                if (magic != Lz4FrameHeader.MAGIC) {
                    throw new IOException(String.format("not an LZ4 frame (magic number %08x): the object is damaged or not LZ4", magic));
                }
                sawFrame = true;
                Lz4FrameHeader header = Lz4FrameHeader.read(source);
                if (header.independentBlocks()) {
                    readBlocks(header);
                } else {
                    readDependentBlocks(header);
                }
            }
            pending.put(CompletableFuture.completedFuture(new End()));
        } catch (Throwable e) {
            if (!closed) {
                // The caller finds the failure in its place in the stream, after every block read before it.
                try {
                    pending.put(CompletableFuture.failedFuture(e));
                } catch (InterruptedException closedMeanwhile) {
                    // close() interrupts: nobody reads on
                }
            }
        }
    }

    private void readBlocks(Lz4FrameHeader h) throws IOException, InterruptedException {
        int max = h.maxBlockSize();
        while (true) {
            int word = readInt();
            if (endOfFrame(word, h)) {
                return;
            }
            boolean stored = word < 0; // the high bit: the block is stored uncompressed
            int length = blockLength(word, max);
            budget.acquire(max);
            byte[] raw = buffer(max);
            if (source.readNBytes(raw, 0, length) != length) {
                throw new IOException("LZ4 stream ends in the middle of a block: the object is truncated");
            }
            boolean checked = h.blockChecksums();
            int sum = checked ? readInt() : 0;
            if (stored && !checked) {
                pending.put(CompletableFuture.completedFuture(new Data(raw, length, max)));
                continue;
            }
            if (!stored) {
                budget.acquire(max); // for the decompressed copy, taken here so that workers never wait for memory
            }
            pending.put(workers.submit(() -> decodeBlock(raw, length, stored, checked, sum, max)));
        }
    }

    /**
     * A frame whose blocks may copy from the 64 KiB of output before them (as `lz4 -BD` writes; Litestream and Lifeboat
     * never do): decoded here, one block after the other, into a window that keeps that history in front of the block.
     * lz4-java cannot decode these at all.
     */
    private void readDependentBlocks(Lz4FrameHeader h) throws IOException, InterruptedException {
        int max = h.maxBlockSize();
        byte[] window = new byte[HISTORY + max];
        int history = 0; // valid bytes just before HISTORY
        while (true) {
            int word = readInt();
            if (endOfFrame(word, h)) {
                return;
            }
            int length = blockLength(word, max);
            byte[] raw = Lz4FrameHeader.readFully(source, length, "block");
            if (h.blockChecksums() && XxHash32.hash(raw, 0, length, 0) != readInt()) {
                throw new IOException("LZ4 block checksum mismatch: the object is damaged");
            }
            int n = length;
            if (word < 0) {
                System.arraycopy(raw, 0, window, HISTORY, length);
            } else {
                n = Lz4Block.decompress(raw, 0, length, window, HISTORY, max, HISTORY - history);
            }
            budget.acquire(max);
            byte[] out = buffer(max);
            System.arraycopy(window, HISTORY, out, 0, n);
            pending.put(CompletableFuture.completedFuture(new Data(out, n, max)));
            int keep = Math.min(HISTORY, history + n);
            System.arraycopy(window, HISTORY + n - keep, window, HISTORY - keep, keep);
            history = keep;
        }
    }

    /** In a worker: checks the block checksum, decompresses; the stored buffer goes back to the pool once copied. */
    private Item decodeBlock(byte[] raw, int length, boolean stored, boolean checked, int sum, int max) throws IOException {
        if (checked && XxHash32.hash(raw, 0, length, 0) != sum) {
            throw new IOException("LZ4 block checksum mismatch: the object is damaged");
        }
        if (stored) {
            return new Data(raw, length, max);
        }
        byte[] out = buffer(max);
        try {
            return new Data(out, Lz4Block.decompress(raw, 0, length, out, 0, max), max);
        } finally {
            release(raw, max);
        }
    }

    /** True at a frame's end mark (a zero block size): queues the frame's end with its content checksum, if any. */
    private boolean endOfFrame(int word, Lz4FrameHeader h) throws IOException, InterruptedException {
        if (word != 0) {
            return false;
        }
        boolean hasSum = h.contentChecksum();
        int sum = hasSum ? readInt() : 0;
        pending.put(CompletableFuture.completedFuture(new FrameEnd(hasSum, sum, h.contentSize())));
        return true;
    }

    /** The stored length of the block whose size word is {@code word} (the high bit only says it is uncompressed). */
    private static int blockLength(int word, int max) throws IOException {
        int length = word & 0x7FFFFFFF;
        if (length > max) {
            throw new IOException("LZ4 block of " + length + " bytes is larger than its frame's maximum of " + max + ": the object is damaged");
        }
        return length;
    }

    private int readInt() throws IOException {
        return Lz4FrameHeader.le32(Lz4FrameHeader.readFully(source, 4, "block header or checksum"), 0);
    }

    /** A pooled buffer of exactly {@code size} bytes; the caller holds {@code size} permits of the budget for it. */
    private byte[] buffer(int size) {
        for (byte[] b; (b = freeBuffers.poll()) != null; ) {
            if (b.length == size) {
                return b;
            }
            // A buffer of an earlier frame's block size: dropped (its permits were returned with it).
        }
        return new byte[size];
    }

    private void release(byte[] buffer, int permits) {
        freeBuffers.offer(buffer);
        budget.release(permits);
    }

    // ---- caller's thread ----

    /** Moves to the next non-empty block; false at the end of the stream. */
    private boolean advance() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (current != null) {
            release(current.bytes(), current.permits());
            current = null;
        }
        while (!ended) {
            Item item = next();
            switch (item) {
                case Data d -> {
                    contentHash.update(d.bytes(), 0, d.length());
                    frameBytes += d.length();
                    current = d;
                    position = 0;
                    if (d.length() > 0) {
                        return true;
                    }
                }
                case FrameEnd e -> {
                    if (e.contentSize() >= 0 && e.contentSize() != frameBytes) {
                        throw fail(new IOException("LZ4 frame announced " + e.contentSize() + " bytes but holds " + frameBytes
                                + ": the object is damaged"));
                    }
                    if (e.hasChecksum() && contentHash.value() != e.checksum()) {
                        throw fail(new IOException("LZ4 content checksum mismatch: the object is damaged"));
                    }
                    contentHash.reset();
                    frameBytes = 0;
                }
                case End x -> ended = true;
            }
        }
        return false;
    }

    private Item next() throws IOException {
        try {
            return pending.take().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(new InterruptedIOException("interrupted while decompressing LZ4"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw fail(cause instanceof IOException io ? io : new IOException("LZ4 decompression failed: " + cause, cause));
        }
    }

    private IOException fail(IOException e) {
        failure = e;
        return e;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        if ((current == null || position == current.length()) && !advance()) {
            return -1;
        }
        int n = Math.min(len, current.length() - position);
        System.arraycopy(current.bytes(), position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    /** Writes the rest of the stream to {@code out} straight from the block buffers (no copy on this side). */
    @Override
    public long transferTo(OutputStream out) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        long n = 0;
        if (current != null && position < current.length()) {
            out.write(current.bytes(), position, current.length() - position);
            n += current.length() - position;
            position = current.length();
        }
        while (advance()) {
            out.write(current.bytes(), 0, current.length());
            n += current.length();
            position = current.length();
        }
        return n;
    }

    /** Stops the reader and the workers (also midway through the stream) and closes the source. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        reader.interrupt(); // wakes it from a full queue or an exhausted budget
        workers.shutdownNow();
        try {
            source.close(); // wakes it from a read
        } finally {
            try {
                reader.join(TimeUnit.SECONDS.toMillis(60));
                for (Thread t : workerThreads) {
                    t.join(TimeUnit.SECONDS.toMillis(10)); // a worker finishes the block it decodes, then ends
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pending.clear();
            freeBuffers.clear();
            current = null;
        }
    }
}
