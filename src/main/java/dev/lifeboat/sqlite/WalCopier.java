package dev.lifeboat.sqlite;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Copies the committed frames of the current WAL life into its shadow file ({@link ShadowWal}), verified by a
 * {@link WalScanner}, and starts the shadow file of each new life. The hot path: every sync runs {@link #copyFrames}
 * over every byte the app wrote, through the one read buffer of {@link ReplicationState}.
 */
final class WalCopier {
    private final ReplicationState state;
    private final ReplicaStats stats;
    private final ShadowWal shadow;
    private final Path walPath;
    /** Follows the checksum chain of every copy. */
    private final WalScanner scanner = new WalScanner();

    WalCopier(ReplicationState state, ReplicaStats stats, ShadowWal shadow, Path walPath) {
        this.state = state;
        this.stats = stats;
        this.shadow = shadow;
        this.walPath = walPath;
    }

    Wal.Header readWalHeader() throws IOException {
        byte[] b = readWal(0, Wal.HEADER_SIZE);
        return b == null ? null : Wal.parseHeader(b);
    }

    /** Reads {@code len} bytes of the real WAL at {@code off}, or null when it is shorter. */
    byte[] readWal(long off, int len) throws IOException {
        if (!Files.exists(walPath)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(len);
            while (buf.hasRemaining()) {
                if (ch.read(buf, off + buf.position()) < 0) {
                    return null;
                }
            }
            return buf.array();
        }
    }

    /**
     * Copies the committed frames that follow {@code copied} in the current life into the shadow file. Appends are
     * not fsynced: shadow files live for about one sync interval and an fsync would write every WAL byte to the disk
     * a second time, competing with the app's own syncs. After a power loss the shadow is cut at its last verified
     * commit when it is loaded, and a shadow that no longer meets the WAL or the replica starts a new generation
     * (the app's own last commits may be gone too: synchronous=NORMAL does not sync them). Frames are verified and appended a buffer at a time; a transaction larger than the
     * buffer is verified across reads and then copied from the WAL again, so memory does not grow with it.
     */
    void copyFrames() throws IOException {
        if (state.header == null) {
            Wal.Header h = readWalHeader();
            if (h == null) {
                return;
            }
            startLife(h);
        }
        if (!Files.exists(walPath)) {
            return;
        }
        int fs = state.header.frameSize();
        byte[] buf = state.buffer(fs);
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            long walSize = ch.size();
            long from = state.copied;
            long scan = state.copied; // next frame to verify; frames between copied and scan continue the chain uncommitted
            scanner.start(state.header, state.ck1, state.ck2, state.lastCommitPages);
            // The chain ends at a transaction still being written, or at an older life's frame.
            while (scan + fs <= walSize && !scanner.ended()) {
                int n = (int) Math.min(buf.length / fs, (walSize - scan) / fs);
                n = readUpTo(ch, buf, n * fs, scan) / fs;
                if (n == 0) {
                    break;
                }
                long bufStart = scan;
                scan += (long) scanner.verify(buf, 0, n * fs) * fs;
                long committedEnd = from + scanner.committedFrames() * fs;
                if (committedEnd > state.copied) {
                    if (bufStart == state.copied) {
                        appendCopied(buf, (int) (committedEnd - state.copied));
                    } else {
                        appendFromWal(ch, state.copied, committedEnd);
                    }
                    // Only now: the chain's next link must be the shadow's last frame, also when an append failed.
                    state.ck1 = scanner.commitChecksum1();
                    state.ck2 = scanner.commitChecksum2();
                    state.lastCommitPages = scanner.commitPages();
                }
            }
        }
    }

    /** Appends the WAL's bytes {@code [from, to)} (whole committed transactions, already verified) to the shadow file. */
    void appendFromWal(FileChannel wal, long from, long to) throws IOException {
        byte[] buf = state.batch();
        for (long pos = from; pos < to; ) {
            int len = (int) Math.min(buf.length, to - pos);
            readFully(wal, buf, len, pos);
            appendCopied(buf, len);
            pos += len;
        }
    }

    private void appendCopied(byte[] bytes, int len) throws IOException {
        shadow.append(state.generation, state.index, state.copied, bytes, len);
        state.copied += len;
        state.copiedThisSync = true;
        state.changedSinceSnapshot = true;
        if (stats.unshippedSince == null) {
            stats.unshippedSince = Instant.now();
        }
    }

    /** Starts the next WAL index for a new life of the WAL (or waits for one when {@code h} is null). */
    void nextLife(Wal.Header h) throws IOException {
        if (state.header != null) {
            state.index++;
        }
        state.header = null;
        state.lastCommitPages = 0;
        if (h != null) {
            startLife(h);
        }
    }

    void startLife(Wal.Header h) throws IOException {
        state.checkpointedThrough = -1;
        state.header = h;
        shadow.create(state.generation, state.index, h);
        state.copied = Wal.HEADER_SIZE;
        state.ck1 = h.checksum1();
        state.ck2 = h.checksum2();
        state.lastCommitPages = 0;
        stats.index = state.index;
    }

    static void readFully(FileChannel ch, byte[] buf, int len, long at) throws IOException {
        if (readUpTo(ch, buf, len, at) < len) {
            throw new IOException("unexpected end of file at " + at);
        }
    }

    /** Reads up to {@code len} bytes at {@code at}; fewer only where the file ends (another process may cut the WAL). */
    static int readUpTo(FileChannel ch, byte[] buf, int len, long at) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
        while (bb.hasRemaining() && ch.read(bb, at + bb.position()) >= 0) {
            // fill
        }
        return bb.position();
    }
}
