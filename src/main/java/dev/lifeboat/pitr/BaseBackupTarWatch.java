package dev.lifeboat.pitr;

import dev.lifeboat.stream.TarReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a base backup's tar stream as it passes on to the store (every byte read is copied to {@code sink}) and
 * keeps what the manifest records from it: the server's {@code backup_label} and the WAL range at the end of its
 * {@code backup_manifest} (start and end LSN and timeline, as the server reports them after the backup ended).
 */
final class BaseBackupTarWatch {
    private static final int MANIFEST_TAIL = 64 * 1024;
    private static final Pattern WAL_RANGE = Pattern.compile(
            "\\{\\s*\"Timeline\"\\s*:\\s*(\\d+)\\s*,\\s*\"Start-LSN\"\\s*:\\s*\"([0-9A-Fa-f]+/[0-9A-Fa-f]+)\"\\s*,\\s*\"End-LSN\"\\s*:\\s*\"([0-9A-Fa-f]+/[0-9A-Fa-f]+)\"");
    private static final Pattern LABEL_START = Pattern.compile("START WAL LOCATION: ([0-9A-Fa-f]+/[0-9A-Fa-f]+) \\(file ([0-9A-F]{24})\\)");
    private static final Pattern LABEL_TIMELINE = Pattern.compile("START TIMELINE: (\\d+)");

    /** What the archive said about the backup. */
    record Observed(String backupLabel, String startLsn, String startWalFile, int timeline, String stopLsn, long rawBytes) {
    }

    private BaseBackupTarWatch() {
    }

    /** Copies {@code tar} to {@code sink} while reading it; fails when the archive lacks backup_label or backup_manifest. */
    static Observed copy(InputStream tar, OutputStream sink) throws IOException {
        Tee tee = new Tee(tar, sink);
        TarReader reader = new TarReader(tee);
        String label = null;
        byte[] manifestTail = null;
        for (var entry = reader.next(); entry.isPresent(); entry = reader.next()) {
            String name = entry.get().name();
            if (name.equals("backup_label")) {
                label = new String(reader.content().readNBytes(64 * 1024), StandardCharsets.UTF_8);
            } else if (name.equals("backup_manifest")) {
                manifestTail = tail(reader.content());
            }
        }
        reader.drain();
        if (label == null) {
            throw new IOException("pg_basebackup's archive has no backup_label: not a base backup");
        }
        if (manifestTail == null) {
            throw new IOException("pg_basebackup's archive has no backup_manifest (server older than PostgreSQL 13, or manifests disabled)");
        }
        Matcher start = LABEL_START.matcher(label);
        Matcher timeline = LABEL_TIMELINE.matcher(label);
        if (!start.find() || !timeline.find()) {
            throw new IOException("backup_label lacks START WAL LOCATION or START TIMELINE: " + label.strip());
        }
        Matcher range = WAL_RANGE.matcher(new String(manifestTail, StandardCharsets.UTF_8));
        String stop = null;
        while (range.find()) {
            stop = range.group(3); // the last range ends where the backup becomes consistent
        }
        if (stop == null) {
            throw new IOException("backup_manifest lacks its WAL-Ranges (the end LSN of the backup)");
        }
        return new Observed(label, start.group(1), start.group(2), Integer.parseInt(timeline.group(1)), stop, tee.count);
    }

    /** The last {@value #MANIFEST_TAIL} bytes or more of {@code in} (the WAL ranges close the manifest). */
    private static byte[] tail(InputStream in) throws IOException {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            kept.write(buffer, 0, n);
            if (kept.size() > 2 * MANIFEST_TAIL) {
                byte[] all = kept.toByteArray();
                kept.reset();
                kept.write(all, all.length - MANIFEST_TAIL, MANIFEST_TAIL);
            }
        }
        return kept.toByteArray();
    }

    /** Every byte read from {@code in} is written to {@code sink} (skips read too, so nothing is lost). */
    private static final class Tee extends InputStream {
        private final InputStream in;
        private final OutputStream sink;
        private final byte[] skipBuffer = new byte[64 * 1024];
        long count;

        Tee(InputStream in, OutputStream sink) {
            this.in = in;
            this.sink = sink;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                sink.write(b, off, n);
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            int r = read(skipBuffer, 0, (int) Math.min(n, skipBuffer.length));
            return Math.max(r, 0);
        }
    }
}
