package dev.lifeboat.pitr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.alert.Receiver;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.testing.Await;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.FaultProxy;
import dev.lifeboat.testing.LifeboatBinary;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;
import dev.lifeboat.volume.Mounts;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged agent ({@link LifeboatBinary}) with {@code pitr.enabled} on a real PostgreSQL 15, its destination
 * S3Proxy behind a {@link FaultProxy}: it takes a base backup at start and archives the WAL of a writer that commits
 * one row per transaction; S3 is black-holed for {@value #OUTAGE_SECONDS} s (the full 60 s outage under load is
 * {@link WalArchiverTest}'s, at the archiver's level): the slot keeps the WAL (its restart_lsn never passes what the
 * store holds), {@code pitr-archive-lag} reaches a real webhook receiver firing and, once archiving has caught up,
 * resolved; {@code /api/v1/status} shows the archived LSN, the lag, the slot's retained WAL and the restorable window.
 * Then the packaged {@code lifeboat restore --pitr --latest --start} restores while the agent keeps running, and the
 * recovering server runs the real packaged {@code lifeboat wal-fetch} as its restore_command, as the {@code postgres}
 * user ({@link LifeboatBinary#portable}): the restored cluster has every transaction the writer committed, passes
 * pg_amcheck and dumps in full with pg_dump.
 */
class PitrAgentIT {
    static final int OUTAGE_SECONDS = 20;
    static final long SEGMENT = 16 << 20;
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();
    final Mounts mounts = new Mounts();

    @Test
    void agentArchivesThroughAnOutageAlertsAndRestoresWithThePackagedWalFetch() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-pitr-it-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<Long> committedLsns = new ArrayList<>();
        Process agent = null;
        try (PostgresServer pg = PostgresServer.start(); S3ProxyServer s3 = S3ProxyServer.start();
             FaultProxy proxy = FaultProxy.http("127.0.0.1", s3.port()); Receiver receiver = new Receiver()) {
            receiver.server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
            s3.createBucket("backups");
            pg.createDatabase("app");
            pg.sql("app", "CREATE TABLE ticks (id bigint PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
            Path config = work.resolve("lifeboat.yml");
            Files.writeString(config, "destinations:\n" + s3.destinationYaml("s3", "backups", "lifeboat").replace(s3.endpoint(), proxy.endpoint())
                    + "    connect-timeout: 1s\n    request-timeout: 5s\n"
                    + "databases:\n  app:\n    type: postgres\n    url: " + pg.url("app") + "\n    destination: s3\n"
                    + "    schedule: \"0 3 1 1 *\"\n" // no pg_dump during the test
                    + "    drill: {enabled: false}\n"
                    + "    pitr: {enabled: true, archive-timeout: 1s, base-backup-schedule: 1h}\n"
                    + "alerts:\n  for: 0s\n  evaluate-interval: 1s\n  state-dir: " + work.resolve("state") + "\n"
                    + "  thresholds: {max-pitr-archive-lag: 5s}\n"
                    + "  sinks:\n    hook: {type: webhook, url: \"" + receiver.url("/hook") + "\", min-severity: info}\n");
            // The restored server reads it as the postgres user through wal-fetch: world-readable (test credentials only).
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
            Path launcher = LifeboatBinary.portable(work.resolve("portable"));

            int port = ExternalProcess.freePort();
            agent = LifeboatBinary.start(work, work.resolve("agent.log"), port, Map.of(), "agent", "--config", config.toString());
            Process running = agent;
            Await.until("the agent's first base backup and WAL archiving", Duration.ofSeconds(120), () -> !running.isAlive()
                    || status(port).map(s -> s.at("/databases/app/pitrBaseBackup/lastId").isTextual()
                    && s.at("/databases/app/walArchive/archivedLsn").isTextual()).orElse(false));
            assertTrue(agent.isAlive(), "the agent exited");

            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = Thread.ofPlatform().name("pitr-it-writer").start(() -> {
                try (Connection c = pg.connect("app"); PreparedStatement insert = c.prepareStatement("INSERT INTO ticks (id) VALUES (?)");
                     PreparedStatement position = c.prepareStatement("SELECT pg_current_wal_insert_lsn()::text")) {
                    for (long id = 1; writing.get(); id++) {
                        insert.setLong(1, id);
                        insert.executeUpdate();
                        try (ResultSet rs = position.executeQuery()) {
                            rs.next();
                            synchronized (committedLsns) {
                                committedLsns.add(Lsn.parse(rs.getString(1)).value());
                            }
                        }
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (ObjectStore direct = ObjectStores.open(TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "backups", "lifeboat"))
                    .destinations().get("s3"))) {
                WalArchive archive = new WalArchive(new PrefixedStore(direct, "app/"), List.of());
                Lsn before = archivedLsn(port);
                Await.until("WAL of the writer archived", Duration.ofSeconds(60), () -> uncheckedArchivedLsn(port).isAfter(before));

                proxy.blackhole();
                Instant outageEnds = Instant.now().plusSeconds(OUTAGE_SECONDS);
                long maxRetained = 0;
                while (Instant.now().isBefore(outageEnds)) {
                    Lsn restart = slotRestart(pg);
                    Lsn stored = archive.archivedEnd(SEGMENT).map(WalArchive.ArchivedEnd::durable).orElse(Lsn.ZERO);
                    assertFalse(restart.isAfter(stored), "the slot's restart_lsn " + restart + " passed the store's " + stored);
                    JsonNode wal = status(port).orElseThrow().at("/databases/app/walArchive");
                    maxRetained = Math.max(maxRetained, wal.path("slotRetainedBytes").asLong());
                    Thread.sleep(1000);
                }
                assertEquals(Optional.of("firing"), lastLagAlert(receiver), "pitr-archive-lag fired to the webhook during the outage: "
                        + receiver.requests().size() + " notifications, status " + status(port).map(JsonNode::toString).orElse("?"));
                assertTrue(maxRetained > 0, "the slot kept WAL on the server during the outage");
                proxy.pass();
                Thread.sleep(2000); // the writer goes on after the outage, then stops
            } finally {
                writing.set(false);
                writer.join(30_000);
            }
            Lsn end = lsn(pg, "SELECT pg_current_wal_insert_lsn()::text");
            Await.until("the agent to archive up to " + end, Duration.ofSeconds(120), () -> !end.isAfter(uncheckedArchivedLsn(port)));
            Await.until("pitr-archive-lag resolved at the webhook", Duration.ofSeconds(60),
                    () -> lastLagAlert(receiver).equals(Optional.of("resolved")));

            JsonNode db = status(port).orElseThrow().at("/databases/app");
            JsonNode wal = db.path("walArchive");
            assertEquals("streaming", wal.path("state").asText(), wal.toString());
            assertFalse(Lsn.parse(wal.path("archivedLsn").asText()).compareTo(end) < 0, wal.toString());
            assertTrue(wal.path("lagSeconds").isNumber() && wal.path("lagSeconds").asDouble() < 5, "caught up: " + wal);
            assertTrue(wal.path("lagBytes").isNumber() && wal.path("slotRetainedBytes").isNumber(), wal.toString());
            assertNotNull(wal.path("lastUploadAt").textValue(), wal.toString());
            JsonNode base = db.path("pitrBaseBackup");
            assertTrue(base.path("baseBackups").asInt() >= 1 && base.path("restorableFrom").isTextual(), "the restorable window starts: " + base);

            // The packaged restore while the agent keeps archiving; the server runs the packaged wal-fetch as postgres.
            Path restores = Files.createDirectory(work.resolve("restores"));
            if ("root".equals(System.getProperty("user.name"))) {
                mounts.tmpfs(restores, "size=256m,mode=755"); // the unpacker fsyncs ~1000 files: cheap on a tmpfs
            }
            Path dataDir = restores.resolve("restored");
            int restoredPort = ExternalProcess.freePort();
            Path restoreLog = work.resolve("restore.log");
            ProcessBuilder restore = new ProcessBuilder(LifeboatBinary.command("restore", "app", "--pitr", "--to-dir", dataDir.toString(), "--latest",
                    "--start", "--port", Integer.toString(restoredPort), "--pg-bin", PostgresServer.DEBIAN_15.toString(),
                    "--lifeboat-command", launcher.toString(), "--config", config.toString()))
                    .directory(work.toFile()).redirectErrorStream(true).redirectOutput(restoreLog.toFile());
            restore.environment().remove("LIFEBOAT_CONFIG");
            restore.environment().putAll(LifeboatBinary.JVM_ENVIRONMENT);
            Process r = restore.start();
            assertTrue(r.waitFor(5, TimeUnit.MINUTES), "the restore finished");
            String out = Files.readString(restoreLog);
            try {
                assertEquals(0, r.exitValue(), out);
                assertTrue(out.contains("wal-fetch") && out.contains("promoted"), out);
                List<Long> ids = new ArrayList<>();
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + restoredPort + "/app?user=postgres");
                     ResultSet rs = c.createStatement().executeQuery("SELECT id FROM ticks ORDER BY id")) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                assertTrue(committedLsns.size() > 100, "the writer committed: " + committedLsns.size());
                assertEquals(committedLsns.size(), ids.size(), "every transaction committed, before, during and after the outage, is restored");
                assertEquals(committedLsns.size(), ids.getLast());
                String serverLog = Files.readString(dataDir.resolve("lifeboat-recovery.log"));
                assertTrue(serverLog.contains("restored log file"), "recovery read WAL through the packaged wal-fetch: " + serverLog);
                // The packaged wal-fetch run directly as the server's user (whatever a restore serves from elsewhere): the archive's bytes.
                try (ObjectStore direct = ObjectStores.open(TestConfigs.parse("destinations:\n" + s3.destinationYaml("s3", "backups", "lifeboat"))
                        .destinations().get("s3"))) {
                    WalArchive archive = new WalArchive(new PrefixedStore(direct, "app/"), List.of());
                    WalObject first = archive.list(1).stream().filter(o -> !o.isHistory()).findFirst().orElseThrow();
                    Path pgWal = Files.createDirectory(restores.resolve("fetched"));
                    ExternalProcess.run(List.of("chown", "postgres:postgres", pgWal.toString()), Duration.ofSeconds(10));
                    ExternalProcess.run(List.of("runuser", "-u", "postgres", "--", launcher.toString(), "wal-fetch", first.fileName(),
                            pgWal.resolve("RECOVERYXLOG").toString(), "--config", config.toString(), "--database", "app"), Duration.ofMinutes(2));
                    assertTrue(java.util.Arrays.equals(archive.fetch(first), Files.readAllBytes(pgWal.resolve("RECOVERYXLOG"))),
                            "the packaged wal-fetch wrote " + first.key() + " as the archive holds it");
                }
                // Interop: the restored cluster passes pg_amcheck (heap and indexes) and dumps in full.
                String amcheck = ExternalProcess.run(List.of(PostgresServer.DEBIAN_15.resolve("pg_amcheck").toString(), "-h", "127.0.0.1",
                        "-p", Integer.toString(restoredPort), "-U", "postgres", "--all", "--install-missing", "--heapallindexed"), Duration.ofMinutes(3));
                assertFalse(amcheck.contains("error"), amcheck);
                String dump = ExternalProcess.run(List.of("pg_dump", "--format=plain", "--no-password",
                        "postgres://postgres@127.0.0.1:" + restoredPort + "/app"), Duration.ofMinutes(2));
                assertTrue(dump.contains("CREATE TABLE public.ticks") && dump.contains("COPY public.ticks"), "pg_dump of the restored cluster");
            } finally {
                ExternalProcess.run(List.of("runuser", "-u", "postgres", "--", PostgresServer.DEBIAN_15.resolve("pg_ctl").toString(),
                        "-D", dataDir.toString(), "-m", "immediate", "stop"), Duration.ofSeconds(60));
            }
        } finally {
            ExternalProcess.stop(agent);
            mounts.close();
            ExternalProcess.run(List.of("rm", "-rf", work.toString()), Duration.ofSeconds(60));
        }
    }

    /** The status ("firing", "resolved") of the newest pitr-archive-lag notification the receiver got. */
    Optional<String> lastLagAlert(Receiver receiver) {
        return receiver.requests().stream().sorted(java.util.Comparator.comparing(r -> r.getLoggedDate()))
                .map(r -> r.getBodyAsString()).filter(b -> b.contains("\"key\":\"pitr-archive-lag/app\""))
                .reduce((a, b) -> b).map(b -> {
                    try {
                        return json.readTree(b).path("status").asText();
                    } catch (IOException e) {
                        return "unreadable";
                    }
                });
    }

    Optional<JsonNode> status(int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(json.readTree(r.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    Lsn archivedLsn(int port) {
        return status(port).map(s -> s.at("/databases/app/walArchive/archivedLsn")).filter(JsonNode::isTextual)
                .map(n -> Lsn.parse(n.asText())).orElse(Lsn.ZERO);
    }

    Lsn uncheckedArchivedLsn(int port) {
        try {
            return archivedLsn(port);
        } catch (RuntimeException e) {
            return Lsn.ZERO;
        }
    }

    static Lsn slotRestart(PostgresServer pg) throws SQLException {
        return lsn(pg, "SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = 'lifeboat'");
    }

    static Lsn lsn(PostgresServer pg, String query) throws SQLException {
        try (Connection c = pg.connect("postgres"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }
}
