package dev.lifeboat.pitr;

import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.runtime.FailureLog;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.stream.age.AgeRecipient;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Archives one database's WAL: streams it from a physical replication slot, assembles whole segments, stores each
 * complete segment and the segment in progress as a partial ({@link PitrLayout}) once its oldest unstored WAL has
 * waited {@code archive-timeout}; reports as flushed to the server only what the store holds, so the slot keeps
 * every byte not yet stored. Any failure (server, network, store) ends the session; {@link #run} starts a new one
 * with backoff, resuming from what the store proves is archived.
 *
 * <p>Partials: {@link PartialClock} says when (WAL waits at most about {@code archive-timeout} plus one upload);
 * {@link SegmentEncoder} compresses each MiB of a segment once (ahead, while the stream is quiet), so a partial
 * costs less than a MiB of compression and a few zero frames, not a whole 16 MiB segment.
 *
 * <p><b>Why pgjdbc and not a supervised pg_receivewal</b>: pg_receivewal confirms WAL to the slot as soon as it is
 * fsynced to a local file, before any upload; the slot would then let the server recycle WAL the store does not have
 * yet. Speaking the protocol here lets the confirmation wait for the store, needs no local disk or extra binary,
 * and keeps the one connection in the agent's process.
 *
 * <p>One file over 400 lines: the session and its set-up share the archiver's store, stages, state and stop flag;
 * apart, they would hand all of them around.
 *
 * <p>Timelines: the archive follows the server's history. When the server is on a newer timeline than the archive
 * (a promoted standby), the archiver stores the history files, streams the old timeline up to its switch point
 * (the last segment stays a partial), then the new timeline from the segment holding the switch point.
 */
public final class WalArchiver implements Runnable {
    private static final Logger LOG = Logger.getLogger(WalArchiver.class);
    private static final Duration STATUS_INTERVAL = Duration.ofSeconds(10);
    private static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
    /** Longest wait between two attempts: the archive timeout, but at least this. */
    private static final Duration MIN_MAX_BACKOFF = Duration.ofSeconds(5);

    private final String database;
    private final PgUrl url;
    private final String slot;
    private final Duration archiveTimeout;
    private final WalArchive archive;
    private final Compression compression;
    private final List<AgeRecipient> recipients;
    private final ArchiverState state;
    private final FailureLog failures;
    private volatile boolean stopped;
    private volatile ReplicationConnection current;

    public WalArchiver(String database, PgUrl url, String slot, Duration archiveTimeout, WalArchive archive,
                       Compression compression, List<AgeRecipient> recipients) {
        this.database = database;
        this.url = url;
        this.slot = slot;
        this.archiveTimeout = archiveTimeout;
        this.archive = archive;
        this.compression = compression;
        this.recipients = recipients;
        this.state = new ArchiverState(slot);
        this.failures = new FailureLog(LOG, "WAL archiving of " + database);
    }

    public WalArchiveStatus status() {
        return state.snapshot();
    }

    /** Runs sessions until {@link #stop()}, waiting with backoff after each failure. */
    @Override
    public void run() {
        // Retry about as often as partials are stored: the RPO is lost while waiting, the slot keeps the WAL.
        Duration maxBackoff = archiveTimeout.compareTo(MIN_MAX_BACKOFF) > 0 ? archiveTimeout : MIN_MAX_BACKOFF;
        Duration backoff = MIN_BACKOFF;
        while (!stopped) {
            try {
                session();
                backoff = MIN_BACKOFF;
                continue;
            } catch (PreflightFailed e) {
                state.preflightFailed(e.problems);
                failures.failed(String.join("; ", e.problems));
            } catch (Exception e) {
                if (stopped) {
                    return;
                }
                String message = url.redact(String.valueOf(e.getMessage()));
                state.failed(message);
                failures.failed(message);
            }
            sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
        }
    }

    /** Ends the running session and the loop. */
    public void stop() {
        stopped = true;
        ReplicationConnection c = current;
        if (c != null) {
            c.close();
        }
    }

    private static final class PreflightFailed extends Exception {
        final List<String> problems;

        PreflightFailed(List<String> problems) {
            super(String.join("; ", problems));
            this.problems = problems;
        }
    }

    private void session() throws Exception {
        try (ReplicationConnection rc = connect()) {
            current = rc;
            if (stopped) {
                return;
            }
            List<String> problems = PitrPreflight.check(rc.sql(), database, slot, true);
            if (!problems.isEmpty()) {
                throw new PreflightFailed(problems);
            }
            long segmentSize = rc.walSegmentSize();
            ReplicationConnection.Slot s = ensureSlot(rc);
            ReplicationConnection.Identity id = rc.identify();
            state.server(rc.currentLsn(), s.restartLsn());

            List<WalObject> archived = archive.list();
            state.conflicts(WalArchive.conflicts(archived));
            Optional<WalArchive.ArchivedEnd> end = WalArchive.archivedEnd(archived, segmentSize);
            int timeline;
            Lsn start;
            Lsn durable;
            List<WalObject> openPartials = List.of();
            if (end.isEmpty()) {
                timeline = id.timeline();
                Lsn from = s.restartLsn() != null ? s.restartLsn() : id.flushed();
                start = from.segmentStart(segmentSize);
                durable = start;
            } else {
                timeline = end.get().timeline();
                start = end.get().resumeFrom();
                durable = end.get().durable();
                openPartials = end.get().openPartials();
                state.archived(durable, false, false);
            }
            if (timeline > id.timeline()) {
                throw new IOException("the archive holds timeline " + timeline + " but the server is on timeline " + id.timeline()
                        + ": it is not the server that was archived (restored or replaced); archive it into another destination or folder");
            }
            Lsn stopAt = null;
            if (timeline < id.timeline()) {
                TimelineHistory history = TimelineHistory.parse(id.timeline(), rc.timelineHistory(id.timeline()));
                for (int t = timeline + 1; t <= id.timeline(); t++) {
                    storeHistory(rc, t);
                }
                Lsn switchPoint = history.switchPoint(timeline);
                if (!durable.isAfter(switchPoint) && !durable.equals(switchPoint)) {
                    stopAt = switchPoint;
                } else {
                    // This timeline is archived up to its end: continue on the next one from the switch point's segment.
                    timeline = history.next(timeline);
                    start = switchPoint.segmentStart(segmentSize);
                    durable = start;
                    openPartials = List.of();
                    Lsn next = history.switchPointOrNull(timeline);
                    stopAt = next;
                }
            } else if (timeline > 1) {
                storeHistory(rc, timeline);
            }
            state.streaming(timeline);
            failures.succeeded();
            LOG.infof("archiving WAL of %s: timeline %d from %s%s", database, timeline, start, stopAt == null ? "" : " to " + stopAt);
            new Session(rc.start(slot, start, timeline), timeline, segmentSize, start, end.isPresent() ? durable : null, stopAt, openPartials).run();
        } finally {
            current = null;
        }
    }

    /** Connects; when the server refuses, a short plain connection finds which preflight rule it broke. */
    private ReplicationConnection connect() throws Exception {
        try {
            return ReplicationConnection.open(url, Duration.ofSeconds(10));
        } catch (SQLException refused) {
            List<String> problems;
            try (Connection plain = url.connect(new Properties())) {
                problems = PitrPreflight.check(plain, database, slot, false);
            } catch (SQLException unreachable) {
                throw refused;
            }
            if (!problems.isEmpty()) {
                throw new PreflightFailed(problems);
            }
            throw refused;
        }
    }

    private ReplicationConnection.Slot ensureSlot(ReplicationConnection rc) throws SQLException, IOException {
        Optional<ReplicationConnection.Slot> s = rc.slot(slot);
        if (s.isEmpty()) {
            rc.createSlot(slot);
            LOG.infof("created physical replication slot %s for %s (drop it with SELECT pg_drop_replication_slot('%s') when PITR is turned off)",
                    slot, database, slot);
            s = rc.slot(slot);
        }
        if (!"physical".equals(s.get().type())) {
            throw new IOException("replication slot " + slot + " is a " + s.get().type() + " slot; databases." + database
                    + ".pitr.slot must name a physical slot (or one that does not exist yet)");
        }
        if (s.get().active()) {
            throw new IOException("replication slot " + slot + " is in use by another connection (another agent archiving "
                    + database + "?); give each archiver its own databases." + database + ".pitr.slot");
        }
        return s.get();
    }

    private void storeHistory(ReplicationConnection rc, int timeline) throws SQLException, IOException {
        String name = WalFileName.history(timeline);
        if (archive.find(name).isPresent()) {
            return;
        }
        byte[] content = rc.timelineHistory(timeline);
        WalArchive.Encoded e = WalArchive.encode(content, content.length, compression, recipients);
        archive.storeComplete(name, PitrLayout.walKey(name, e.sha256(), compression, !recipients.isEmpty()), e.stored()).ifPresent(state::conflict);
        LOG.infof("archived timeline history %s of %s", name, database);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One replication stream: assembles segments, stores them, confirms what is stored. */
    private final class Session {
        private final WalStream stream;
        private final int timeline;
        private final int segmentSize;
        private final byte[] segment;
        private final Lsn stopAt;
        private final List<String> partialKeys = new ArrayList<>();
        private final SegmentEncoder encoder;
        private Lsn segmentStart;
        private int filled;
        /** What the store holds; null while it holds nothing of this database (the slot then keeps its own position). */
        private Lsn durable;
        private final PartialClock clock = new PartialClock(archiveTimeout, Instant.now());
        private Instant lastStatus = Instant.EPOCH;

        Session(WalStream stream, int timeline, long segmentSize, Lsn start, Lsn durable, Lsn stopAt, List<WalObject> openPartials) {
            this.stream = stream;
            this.timeline = timeline;
            this.segmentSize = Math.toIntExact(segmentSize);
            this.segment = new byte[this.segmentSize];
            this.encoder = new SegmentEncoder(compression, recipients, this.segmentSize);
            this.segmentStart = start;
            this.durable = durable;
            this.stopAt = stopAt;
            openPartials.forEach(p -> partialKeys.add(p.key()));
        }

        private Lsn received() {
            return segmentStart.plus(filled);
        }

        private boolean receivedMore() {
            return durable == null ? filled > 0 : received().isAfter(durable);
        }

        void run() throws Exception {
            confirm();
            while (!stopped) {
                WalStream.Message m = stream.poll();
                if (m == null) {
                    clock.drained(Instant.now());
                    if (!stream.active()) {
                        storePartial();
                        return;
                    }
                    maybeStorePartial();
                    if (Duration.between(lastStatus, Instant.now()).compareTo(STATUS_INTERVAL) >= 0) {
                        confirm();
                    }
                    if (!encoder.compressAhead(segment, filled)) {
                        Thread.sleep(10);
                    }
                    continue;
                }
                switch (m) {
                    case WalStream.Data d -> receive(d);
                    case WalStream.Keepalive k -> {
                        state.server(k.serverEnd(), null);
                        if (k.replyNow()) {
                            confirm();
                        }
                    }
                }
                if (stopAt != null && !stopAt.isAfter(received())) {
                    storePartial();
                    LOG.infof("timeline %d of %s archived up to its switch point %s", timeline, database, stopAt);
                    return;
                }
                maybeStorePartial();
            }
        }

        private void receive(WalStream.Data d) throws IOException, SQLException {
            // Taken before a complete segment in this message is stored: the bytes after it arrived before that upload.
            Instant arrivedAfter = clock.arrivalBound();
            state.server(d.serverEnd(), null);
            int offset = d.offset();
            int length = d.length();
            Lsn at = d.start();
            if (at.isAfter(received())) {
                throw new IOException("the server sent WAL from " + at + " but " + received() + " was expected: WAL is missing");
            }
            long skip = received().minus(at);
            if (skip >= length) {
                return;
            }
            offset += (int) skip;
            length -= (int) skip;
            if (stopAt != null) {
                length = (int) Math.min(length, stopAt.minus(received()));
            }
            while (length > 0) {
                int n = Math.min(length, segmentSize - filled);
                System.arraycopy(d.bytes(), offset, segment, filled, n);
                filled += n;
                offset += n;
                length -= n;
                if (receivedMore()) {
                    clock.unstored(arrivedAfter);
                }
                if (filled == segmentSize) {
                    storeComplete();
                }
            }
        }

        private void storeComplete() throws IOException, SQLException {
            String name = WalFileName.segment(timeline, segmentStart, segmentSize);
            long began = uploadStarting();
            WalArchive.Encoded e = encoder.complete(segment);
            upload(name, PitrLayout.walKey(name, e.sha256(), compression, !recipients.isEmpty()), e, began);
            Lsn end = segmentStart.plus(segmentSize);
            stored(end, true);
            Arrays.fill(segment, (byte) 0);
            segmentStart = end;
            filled = 0;
        }

        private void maybeStorePartial() throws IOException, SQLException {
            if (clock.partialDue(Instant.now())) {
                storePartial();
            }
        }

        /** Stores the segment so far (zeros after it) when it holds more than the store has. */
        private void storePartial() throws IOException, SQLException {
            if (!receivedMore()) {
                return;
            }
            String name = WalFileName.segment(timeline, segmentStart, segmentSize);
            long began = uploadStarting();
            WalArchive.Encoded e = encoder.partial(segment, filled);
            String key = PitrLayout.partialKey(name, filled, e.sha256(), compression, !recipients.isEmpty());
            upload(null, key, e, began);
            stored(received(), false);
            partialKeys.add(key);
        }

        /** After a durable store: confirm the new position to the server, then drop the partials it supersedes. */
        private void stored(Lsn end, boolean complete) throws IOException, SQLException {
            durable = end;
            clock.uploaded(Instant.now());
            state.archived(end, complete, true);
            confirm();
            List<String> superseded = new ArrayList<>(partialKeys);
            partialKeys.clear();
            if (!superseded.isEmpty()) {
                try {
                    archive.store().deleteAll(superseded);
                } catch (IOException e) {
                    LOG.debugf("superseded partials of %s stay for now: %s", database, e.getMessage());
                }
            }
        }

        /** Marks the start of an upload (before encoding); returns it for {@link #upload}'s timing. */
        private long uploadStarting() {
            clock.uploadStarting(Instant.now());
            return System.nanoTime();
        }

        /** Stores an encoded object (a complete one, {@code completeFileName}, looked at for conflicts); its debug line is what bench/pitr-archive.sh reads to say where the lag goes. */
        private void upload(String completeFileName, String key, WalArchive.Encoded e, long began) throws IOException {
            long encoded = System.nanoTime();
            if (completeFileName != null) {
                archive.storeComplete(completeFileName, key, e.stored()).ifPresent(state::conflict);
            } else {
                archive.put(key, e.stored());
            }
            LOG.debugf("stored %s of %s (%d bytes): encoded in %d ms, stored in %d ms, its oldest WAL waited %d ms", key, database,
                    e.stored().length, (encoded - began) / 1_000_000, (System.nanoTime() - encoded) / 1_000_000, clock.waited(Instant.now()).toMillis());
        }

        /** Reports the stored position; 0/0 (which the server ignores) while nothing is stored yet. */
        private void confirm() throws SQLException {
            stream.sendStatus(received(), durable == null ? Lsn.ZERO : durable);
            if (durable != null) {
                state.confirmed(durable);
            }
            lastStatus = Instant.now();
        }
    }
}
