package dev.lifeboat.stream.lz4;

import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.xxhash.XXHashFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * LZ4 frame format (the {@code .lz4} of Litestream's snapshots and WAL segments), pure Java only: no JNI, so the
 * native image needs no bundled library. Frames are written ({@link Lz4FrameWriter}) with independent blocks and a
 * content checksum, as Litestream's Go writer does, but in 256 KiB blocks instead of its 4 MiB: a stream buffers a
 * block, which matters in the agent's small heap, and LZ4 only looks 64 KiB back anyway. Litestream reads any block
 * size; any valid frame is read here (lz4-java's "safe" decoder).
 */
public final class Lz4Frames {
    private static final LZ4Factory LZ4 = LZ4Factory.safeInstance();
    private static final XXHashFactory XXHASH = XXHashFactory.safeInstance();

    private Lz4Frames() {
    }

    /** Compresses everything written to the returned stream into {@code out}; closing it finishes the frame and closes {@code out}. */
    public static OutputStream compress(OutputStream out) throws IOException {
        return new Lz4FrameWriter(out);
    }

    /**
     * Decompresses one or more concatenated frames read from {@code in}; the content checksum is verified at the end.
     * For small objects (WAL segments): large ones go through {@link #decompressInParallel}, which starts threads.
     */
    public static InputStream decompress(InputStream in) throws IOException {
        return new LZ4FrameInputStream(in, LZ4.safeDecompressor(), XXHASH.hash32());
    }

    /**
     * Decompresses like {@link #decompress} with the blocks spread over a few threads ({@link ParallelLz4Input}), for
     * large objects (snapshots). Always close the result: that stops the threads and closes {@code in}.
     */
    public static InputStream decompressInParallel(InputStream in) {
        return new ParallelLz4Input(in);
    }
}
