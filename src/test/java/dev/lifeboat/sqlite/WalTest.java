package dev.lifeboat.sqlite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WAL header parser and {@link WalScanner} over small WAL files built here byte by byte (with a checksum written
 * from the file-format page, not Lifeboat's): which frames continue the chain, which transactions are whole, and
 * where the scan stops.
 */
class WalTest {
    private static final int MAGIC_LE = 0x377f0682;
    private static final int MAGIC_BE = 0x377f0683;
    private static final int PAGE = 512;
    private static final int FRAME = Wal.FRAME_HEADER_SIZE + PAGE;
    private static final int SALT1 = 0x1234_5678;
    private static final int SALT2 = 0x0bad_cafe;

    @Test
    void validWalAcceptsEveryFrameAndEveryTransaction() {
        // three transactions: frame 1; frames 2-3; frame 4
        byte[] wal = new WalBuilder(MAGIC_LE).frame(1, 1).frame(2, 0).frame(3, 3).frame(4, 4).bytes();
        Wal.Header h = Wal.parseHeader(wal);
        assertNotNull(h);
        assertFalse(h.bigEndianChecksum());
        assertEquals(PAGE, h.pageSize());
        assertEquals(SALT1, h.salt1());
        assertEquals(SALT2, h.salt2());

        WalScanner s = scan(wal);
        assertEquals(4, s.frames());
        assertEquals(4, s.committedFrames());
        assertFalse(s.ended());
        assertEquals(4, s.commitPages());
        assertEquals(Wal.checksum1(wal, frameAt(4)), s.commitChecksum1());
        assertEquals(Wal.checksum2(wal, frameAt(4)), s.commitChecksum2());
    }

    @Test
    void framesAfterTheLastCommitAreVerifiedButNotCommitted() {
        byte[] wal = new WalBuilder(MAGIC_LE).frame(1, 0).frame(2, 2).frame(3, 0).frame(4, 0).bytes();
        WalScanner s = scan(wal);
        assertEquals(4, s.frames());
        assertEquals(2, s.committedFrames(), "frames 3-4 are a transaction still being written");
        assertFalse(s.ended());
        assertEquals(2, s.commitPages());
        assertEquals(Wal.checksum1(wal, frameAt(2)), s.commitChecksum1());
    }

    @Test
    void aTransactionSpreadOverSeveralBuffersIsFollowedAcrossThem() {
        byte[] wal = new WalBuilder(MAGIC_LE).frame(1, 1).frame(2, 0).frame(3, 0).frame(4, 0).frame(5, 5).bytes();
        Wal.Header h = Wal.parseHeader(wal);
        WalScanner s = new WalScanner();
        s.start(h, h.checksum1(), h.checksum2(), 0);
        assertEquals(2, s.verify(wal, frameAt(1), 2 * FRAME + 100), "a partial frame at the end of a buffer is left for later");
        assertEquals(1, s.committedFrames());
        assertEquals(2, s.verify(wal, frameAt(3), 2 * FRAME));
        assertEquals(1, s.committedFrames(), "frames 2-4 wait for their commit");
        assertEquals(1, s.verify(wal, frameAt(5), FRAME));
        assertEquals(5, s.committedFrames());
        assertEquals(5, s.commitPages());

        // resuming after frame 3 (as a copy continues where the shadow file ends) with that frame's checksum
        WalScanner resumed = new WalScanner();
        resumed.start(h, Wal.checksum1(wal, frameAt(3)), Wal.checksum2(wal, frameAt(3)), 0);
        assertEquals(2, resumed.verify(wal, frameAt(4), 2 * FRAME));
        assertEquals(2, resumed.committedFrames());
        // the same frames from a wrong point in the chain are not this life's continuation
        WalScanner wrong = new WalScanner();
        wrong.start(h, Wal.checksum1(wal, frameAt(2)), Wal.checksum2(wal, frameAt(2)), 0);
        assertEquals(0, wrong.verify(wal, frameAt(4), 2 * FRAME));
        assertTrue(wrong.ended());
    }

    @Test
    void aSaltChangeEndsTheLife() {
        // The WAL restarted: the new life (salt-1 + 1) wrote two frames over the old life's, whose frames 3-5 are still there.
        byte[] old = new WalBuilder(MAGIC_LE).frame(1, 1).frame(2, 2).frame(3, 0).frame(4, 4).frame(5, 5).bytes();
        byte[] restarted = new WalBuilder(MAGIC_LE, SALT1 + 1, 0x7777_0001).frame(1, 5).frame(2, 5).bytes();
        byte[] wal = old.clone();
        System.arraycopy(restarted, 0, wal, 0, restarted.length);

        WalScanner s = scan(wal);
        assertEquals(2, s.frames(), "frame 3 carries the old life's salts");
        assertEquals(2, s.committedFrames());
        assertTrue(s.ended());
        assertEquals(0, s.verify(wal, frameAt(3), 3 * FRAME), "nothing is verified after the chain ended");

        // The old life's frames 3-5 still continue its own chain from its frame 2 (what proves an intact tail).
        Wal.Header oldHeader = Wal.parseHeader(old);
        WalScanner tail = new WalScanner();
        tail.start(oldHeader, Wal.checksum1(old, frameAt(2)), Wal.checksum2(old, frameAt(2)), 2);
        assertEquals(3, tail.verify(wal, frameAt(3), 3 * FRAME));
        assertEquals(3, tail.committedFrames());
        assertTrue(Wal.parseHeader(wal).salt1() == oldHeader.salt1() + 1);
    }

    @Test
    void aChecksumBreakMidTransactionKeepsOnlyTheTransactionsBeforeIt() {
        byte[] wal = new WalBuilder(MAGIC_LE).frame(1, 0).frame(2, 2).frame(3, 0).frame(4, 0).frame(5, 5).frame(6, 6).bytes();
        wal[frameAt(4) + Wal.FRAME_HEADER_SIZE + 100] ^= 0x01; // one bit of frame 4's page

        WalScanner s = scan(wal);
        assertEquals(3, s.frames(), "frame 3 still continues the chain; frame 4 breaks it");
        assertEquals(2, s.committedFrames(), "the transaction of frames 3-5 is not whole");
        assertTrue(s.ended());
        assertEquals(2, s.commitPages());
        assertEquals(Wal.checksum1(wal, frameAt(2)), s.commitChecksum1());
        assertEquals(Wal.checksum2(wal, frameAt(2)), s.commitChecksum2());
    }

    @Test
    void aTornLastFrameLosesOnlyItsTransaction() {
        byte[] whole = new WalBuilder(MAGIC_LE).frame(1, 1).frame(2, 0).frame(3, 3).bytes();

        // cut inside the commit frame (the file ends there): the scan waits, its transaction is not committed
        byte[] cut = Arrays.copyOf(whole, whole.length - PAGE / 2);
        WalScanner s = scan(cut);
        assertEquals(2, s.frames());
        assertEquals(1, s.committedFrames());
        assertFalse(s.ended(), "the rest of the frame may still be written");

        // the frame is all there but half of its page is not what was checksummed (a torn write)
        byte[] torn = whole.clone();
        Arrays.fill(torn, frameAt(3) + Wal.FRAME_HEADER_SIZE + PAGE / 2, torn.length, (byte) 0);
        s = scan(torn);
        assertEquals(2, s.frames());
        assertEquals(1, s.committedFrames());
        assertTrue(s.ended());
        assertEquals(1, s.commitPages());
    }

    @Test
    void bigEndianChecksumsFollowTheMagicNumber() {
        byte[] wal = new WalBuilder(MAGIC_BE).frame(1, 0).frame(2, 2).frame(3, 3).bytes();
        Wal.Header h = Wal.parseHeader(wal);
        assertNotNull(h, "a big-endian header's checksum is read big-endian");
        assertTrue(h.bigEndianChecksum());
        WalScanner s = scan(wal);
        assertEquals(3, s.frames());
        assertEquals(3, s.committedFrames());
        assertFalse(s.ended());

        // frames checksummed in the other byte order than the header names are not this life's
        byte[] mixed = new WalBuilder(MAGIC_BE).frameOrder(ByteOrder.LITTLE_ENDIAN).frame(1, 1).frame(2, 2).bytes();
        s = scan(mixed);
        assertEquals(0, s.frames());
        assertTrue(s.ended());
        // a header whose checksum is in the other byte order than its magic number names is no WAL header
        assertNull(Wal.parseHeader(new WalBuilder(MAGIC_BE, SALT1, SALT2, ByteOrder.LITTLE_ENDIAN).bytes()));
        assertNull(Wal.parseHeader(new WalBuilder(MAGIC_LE, SALT1, SALT2, ByteOrder.BIG_ENDIAN).bytes()));
    }

    @Test
    void invalidHeadersAreRejected() {
        byte[] wal = new WalBuilder(MAGIC_LE).frame(1, 1).bytes();
        assertNotNull(Wal.parseHeader(wal));
        assertNull(Wal.parseHeader(Arrays.copyOf(wal, Wal.HEADER_SIZE - 1)), "short");
        byte[] magic = wal.clone();
        putInt(magic, 0, 0x377f0681);
        assertNull(Wal.parseHeader(magic), "magic");
        byte[] sum = wal.clone();
        sum[Wal.HEADER_SIZE - 1] ^= 0x01;
        assertNull(Wal.parseHeader(sum), "header checksum");
        byte[] pageSize = wal.clone();
        putInt(pageSize, 8, 1000);
        assertNull(Wal.parseHeader(pageSize), "page size not a power of two");
    }

    @Test
    void aWalWrittenBySqliteIsAcceptedWhole(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("app.db");
        try (Connection c = SqliteFiles.open(db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = wal");
            s.execute("PRAGMA wal_autocheckpoint = 0");
            s.execute("CREATE TABLE t (v BLOB)");
            s.execute("INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) SELECT randomblob(3000) FROM n");
            s.execute("INSERT INTO t VALUES (1)");
            byte[] wal = Files.readAllBytes(SqliteFiles.wal(db)); // read while open: closing checkpoints it away
            Wal.Header h = Wal.parseHeader(wal);
            assertNotNull(h);
            long frames = (wal.length - Wal.HEADER_SIZE) / h.frameSize();
            assertTrue(frames > 3, "frames: " + frames);
            WalScanner scanner = scan(wal);
            assertEquals(frames, scanner.frames());
            assertEquals(frames, scanner.committedFrames());
            assertFalse(scanner.ended());
            assertTrue(scanner.commitPages() > 20, "database pages after the last commit: " + scanner.commitPages());
        }
    }

    /** Scans a whole WAL from its first frame, as a shadow file is loaded. */
    private static WalScanner scan(byte[] wal) {
        Wal.Header h = Wal.parseHeader(wal);
        assertNotNull(h, "fixture header");
        WalScanner s = new WalScanner();
        s.start(h, h.checksum1(), h.checksum2(), 0);
        int accepted = s.verify(wal, Wal.HEADER_SIZE, wal.length - Wal.HEADER_SIZE);
        assertEquals(accepted, s.frames());
        return s;
    }

    private static int frameAt(int n) {
        return Wal.HEADER_SIZE + (n - 1) * FRAME;
    }

    private static void putInt(byte[] b, int off, int v) {
        ByteBuffer.wrap(b).putInt(off, v);
    }

    /** Writes a WAL as sqlite.org/fileformat2.html#walformat describes it, each frame's page filled from its number. */
    private static final class WalBuilder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final int salt1;
        private final int salt2;
        private ByteOrder order;
        private int s1;
        private int s2;

        WalBuilder(int magic) {
            this(magic, SALT1, SALT2);
        }

        WalBuilder(int magic, int salt1, int salt2) {
            this(magic, salt1, salt2, magic == MAGIC_BE ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        }

        /** {@code order}: the byte order of the checksums, which SQLite takes from the magic number. */
        WalBuilder(int magic, int salt1, int salt2, ByteOrder order) {
            this.salt1 = salt1;
            this.salt2 = salt2;
            this.order = order;
            ByteBuffer h = ByteBuffer.allocate(Wal.HEADER_SIZE); // big-endian fields
            h.putInt(magic).putInt(3007000).putInt(PAGE).putInt(0).putInt(salt1).putInt(salt2);
            checksum(h.array(), 0, 24);
            h.putInt(s1).putInt(s2);
            out.writeBytes(h.array());
        }

        /** Checksums the following frames in {@code order} whatever the magic number says. */
        WalBuilder frameOrder(ByteOrder order) {
            this.order = order;
            return this;
        }

        /** A frame for page {@code page}; {@code commitPages} non-zero makes it a commit frame. */
        WalBuilder frame(int page, int commitPages) {
            byte[] f = new byte[FRAME];
            ByteBuffer b = ByteBuffer.wrap(f);
            b.putInt(page).putInt(commitPages).putInt(salt1).putInt(salt2);
            for (int i = Wal.FRAME_HEADER_SIZE; i < FRAME; i++) {
                f[i] = (byte) (page * 31 + i * 7);
            }
            checksum(f, 0, 8);
            checksum(f, Wal.FRAME_HEADER_SIZE, PAGE);
            b.putInt(16, s1).putInt(20, s2);
            out.writeBytes(f);
            return this;
        }

        /** The running checksum: pairs of 32-bit words in the header's byte order, each sum feeding the next. */
        private void checksum(byte[] b, int off, int len) {
            ByteBuffer words = ByteBuffer.wrap(b).order(order);
            for (int i = off; i < off + len; i += 8) {
                s1 += words.getInt(i) + s2;
                s2 += words.getInt(i + 4) + s1;
            }
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
