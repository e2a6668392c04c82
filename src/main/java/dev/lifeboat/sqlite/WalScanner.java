package dev.lifeboat.sqlite;

/**
 * Follows the checksum chain of one life of a WAL, frame by frame ({@link Wal} has the format). A frame belongs to
 * the life when it carries the header's salts and its checksum continues the previous frame's; the first frame that
 * does not ends the chain (a transaction still being written, a torn write, or a frame of another life). A frame
 * with a non-zero database size commits the transaction ending with it, and only whole transactions count: the
 * frames after the last commit are verified again once their commit has been written.
 *
 * <p>Frames are fed a buffer at a time, so a transaction may span many calls to {@link #verify}. One instance is
 * reused for every scan of a replicator (it runs over every WAL byte the app writes: no allocation per call).
 * Not thread-safe.
 */
final class WalScanner {
    private Wal.Header header;
    private int frameSize;
    /** Checksum pair of the last frame that continued the chain. */
    private int chain1;
    private int chain2;
    /** Checksum pair of the last commit frame, or of the starting point while there is none. */
    private int commit1;
    private int commit2;
    private int commitPages;
    private long frames;
    private long committedFrames;
    private boolean ended;

    /**
     * Starts following {@code header}'s life right after a point whose checksum pair is {@code (s1, s2)}: the
     * header's own pair before frame 1, else the last frame already verified. {@code pages} is the database size
     * after that point's commit (0 when unknown); it stays the {@link #commitPages()} until a frame commits.
     */
    void start(Wal.Header header, int s1, int s2, int pages) {
        this.header = header;
        this.frameSize = header.frameSize();
        chain1 = commit1 = s1;
        chain2 = commit2 = s2;
        commitPages = pages;
        frames = 0;
        committedFrames = 0;
        ended = false;
    }

    /**
     * Verifies the whole frames in {@code buf[off, off + len)}, which follow the frames verified so far; returns how
     * many of them continue the chain. Fewer than all of them only when the chain ends ({@link #ended()}); a partial
     * frame at the end is left alone (the rest of it may still be written). Nothing is verified once the chain ended.
     */
    int verify(byte[] buf, int off, int len) {
        int accepted = 0;
        for (int at = off, end = off + len; !ended && at + frameSize <= end; at += frameSize) {
            if (!Wal.continuesChain(header, chain1, chain2, buf, at)) {
                ended = true;
                break;
            }
            chain1 = Wal.checksum1(buf, at);
            chain2 = Wal.checksum2(buf, at);
            accepted++;
            int pages = Wal.commitSize(buf, at);
            if (pages != 0) {
                commit1 = chain1;
                commit2 = chain2;
                commitPages = pages;
                committedFrames = frames + accepted;
            }
        }
        frames += accepted;
        return accepted;
    }

    /** True once a frame broke the chain: nothing after it belongs to this life as far as this scan can tell. */
    boolean ended() {
        return ended;
    }

    /** Frames verified since {@link #start}. */
    long frames() {
        return frames;
    }

    /** Frames since {@link #start} up to and including the last commit frame: the whole transactions. */
    long committedFrames() {
        return committedFrames;
    }

    /** Checksum pair of the last commit frame (where the next copy continues the chain), or of the starting point. */
    int commitChecksum1() {
        return commit1;
    }

    int commitChecksum2() {
        return commit2;
    }

    /** Database size in pages after the last commit, or the starting point's. */
    int commitPages() {
        return commitPages;
    }
}
