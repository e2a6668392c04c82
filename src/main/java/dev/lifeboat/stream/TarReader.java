package dev.lifeboat.stream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A forward-only reader of tar archives as {@code pg_basebackup -Ft} writes them (ustar), also accepting the pax
 * ({@code x}) and GNU long-name ({@code L}/{@code K}) extensions other writers use for long paths. Each header's
 * checksum is verified. About 150 lines of our own rather than a new dependency: a base backup only needs regular
 * files, directories and symbolic links.
 *
 * <p>{@link #next()} skips what the caller did not read of the previous entry; {@link #content()} reads the current
 * entry's bytes. After the end-of-archive marker {@link #next()} returns empty and {@link #drain()} reads whatever
 * follows (pg_basebackup pads to a record size).
 */
public final class TarReader {
    private static final int BLOCK = 512;

    /** One archive member. {@code type}: {@code '0'} file, {@code '5'} directory, {@code '2'} symbolic link. */
    public record Entry(String name, char type, long size, int mode, String linkName, long mtimeSeconds) {
        public boolean isDirectory() {
            return type == '5';
        }

        public boolean isFile() {
            return type == '0' || type == '\0' || type == '7';
        }

        public boolean isSymlink() {
            return type == '2';
        }
    }

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private long remaining;  // content bytes of the current entry not yet read
    private long padding;    // bytes after them up to the next block boundary
    private boolean ended;

    public TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or empty at the end of the archive. */
    public Optional<Entry> next() throws IOException {
        skip(remaining + padding);
        remaining = padding = 0;
        String longName = null;
        String longLink = null;
        Long paxSize = null;
        while (!ended) {
            if (!readBlock()) {
                throw new EOFException("tar archive ends without its end-of-archive marker (truncated?)");
            }
            if (allZero(header)) {
                ended = true; // the first of two zero blocks; the second is read by drain()
                return Optional.empty();
            }
            verifyChecksum();
            char type = (char) header[156];
            long size = octal(124, 12);
            String name = string(0, 100);
            if (isUstar()) {
                String prefix = string(345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            if (type == 'L' || type == 'K') {
                String value = new String(readFully(size), StandardCharsets.UTF_8);
                value = value.indexOf('\0') >= 0 ? value.substring(0, value.indexOf('\0')) : value;
                if (type == 'L') {
                    longName = value;
                } else {
                    longLink = value;
                }
                continue;
            }
            if (type == 'x') {
                for (String record : paxRecords(readFully(size))) {
                    int eq = record.indexOf('=');
                    String key = record.substring(0, eq);
                    String value = record.substring(eq + 1);
                    switch (key) {
                        case "path" -> longName = value;
                        case "linkpath" -> longLink = value;
                        case "size" -> paxSize = Long.parseLong(value);
                        default -> { } // times, owners: not needed
                    }
                }
                continue;
            }
            if (type == 'g') {
                readFully(size); // global pax header: nothing we use
                continue;
            }
            if (paxSize != null) {
                size = paxSize;
            }
            Entry entry = new Entry(longName != null ? longName : name, type, type == '5' || type == '2' || type == '1' ? 0 : size,
                    (int) octal(100, 8), longLink != null ? longLink : string(157, 100), octal(136, 12));
            remaining = entry.size();
            padding = (BLOCK - remaining % BLOCK) % BLOCK;
            return Optional.of(entry);
        }
        return Optional.empty();
    }

    /** The current entry's content; reading past its end returns -1. */
    public InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new EOFException("tar archive ends inside an entry (truncated?)");
                }
                remaining -= n;
                return n;
            }
        };
    }

    /** Reads the archive's stream to its end (after {@link #next()} returned empty). */
    public void drain() throws IOException {
        in.transferTo(java.io.OutputStream.nullOutputStream());
    }

    private boolean readBlock() throws IOException {
        int off = 0;
        while (off < BLOCK) {
            int n = in.read(header, off, BLOCK - off);
            if (n < 0) {
                if (off == 0) {
                    return false;
                }
                throw new EOFException("tar archive ends inside a header (truncated?)");
            }
            off += n;
        }
        return true;
    }

    private byte[] readFully(long size) throws IOException {
        if (size > 1 << 20) {
            throw new IOException("tar extension header of " + size + " bytes is implausibly large");
        }
        byte[] b = in.readNBytes((int) size);
        if (b.length != size) {
            throw new EOFException("tar archive ends inside an extension header");
        }
        skip((BLOCK - size % BLOCK) % BLOCK);
        return b;
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("tar archive ends inside an entry (truncated?)");
                }
                skipped = 1;
            }
            n -= skipped;
        }
    }

    private void verifyChecksum() throws IOException {
        long expected = octal(148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : header[i] & 0xff;
        }
        if (sum != expected) {
            throw new IOException("tar header checksum mismatch (the archive is damaged or not a tar archive)");
        }
    }

    private boolean isUstar() {
        return header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a' && header[261] == 'r';
    }

    private String string(int off, int len) {
        int end = off;
        while (end < off + len && header[end] != 0) {
            end++;
        }
        return new String(header, off, end - off, StandardCharsets.UTF_8);
    }

    /** An octal field, or GNU base-256 when its first byte has the high bit set (files of 8 GiB and more). */
    private long octal(int off, int len) throws IOException {
        if ((header[off] & 0x80) != 0) {
            long v = header[off] & 0x7f;
            for (int i = off + 1; i < off + len; i++) {
                v = (v << 8) | (header[i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && header[i] == ' ') {
            i++;
        }
        while (i < end && header[i] >= '0' && header[i] <= '7') {
            v = v * 8 + (header[i++] - '0');
        }
        if (i < end && header[i] != 0 && header[i] != ' ') {
            throw new IOException("tar header has a malformed number field");
        }
        return v;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static java.util.List<String> paxRecords(byte[] data) {
        java.util.List<String> out = new java.util.ArrayList<>();
        int i = 0;
        while (i < data.length) {
            int space = i;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            if (space >= data.length) {
                break;
            }
            int length = Integer.parseInt(new String(data, i, space - i, StandardCharsets.US_ASCII));
            String record = new String(data, space + 1, length - (space - i) - 2, StandardCharsets.UTF_8);
            if (record.indexOf('=') > 0) {
                out.add(record);
            }
            i += length;
        }
        return out;
    }
}
