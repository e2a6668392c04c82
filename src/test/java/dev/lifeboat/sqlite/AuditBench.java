package dev.lifeboat.sqlite;

import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.catalog.BackupAudit;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgBackup;
import dev.lifeboat.postgres.PgTools;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Cost of the replica audit (issue 19): 50 SQLite replicas (half with few WAL segments, half with many) and 10
 * PostgreSQL databases with several pg_dump backups each, all on one S3Proxy. Prints requests and wall time per audit
 * round, and the audit thread's CPU time per round as a share of one core at the default 5-minute interval.
 * Targets: at most 3 requests per database per round in the steady state, no growth with the number of WAL segments
 * beyond listing pages, CPU not measurable against idle. Not a test: nothing is asserted.
 * Usage: bench/audit.sh [SQLITE_DBS, default 50] [PG_DBS, default 10] [MANY_SEGMENTS, default 300] [ROUNDS, default 5].
 */
public final class AuditBench {
    public static void main(String[] args) throws Exception {
        int sqliteDbs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int pgDbs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int many = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Path dir = Files.createTempDirectory("lifeboat-audit-bench-");
        try (S3ProxyServer s3 = S3ProxyServer.start(); PostgresServer pg = PostgresServer.start()) {
            s3.createBucket("bench");
            StringBuilder yaml = new StringBuilder("destinations:\n" + s3.destinationYaml("main", "bench", "lifeboat") + "databases:\n");
            for (int i = 0; i < pgDbs; i++) {
                pg.createDatabase("pg" + i);
                pg.sql("pg" + i, "CREATE TABLE t (id int primary key, v text)", "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 2000) g");
                yaml.append("  pg").append(i).append(": {type: postgres, url: \"").append(pg.url("pg" + i)).append("\", destination: main}\n");
            }
            LifeboatConfig config = TestConfigs.parse(yaml.toString());
            ObjectStore base = ObjectStores.open(config.destinations().get("main"));

            long t0 = System.nanoTime();
            List<Replicator> replicators = new ArrayList<>();
            List<TestDb> apps = new ArrayList<>();
            var settings = new Replicator.Settings(Duration.ofHours(24), Duration.ofHours(72), 1_000_000, 1L << 40);
            for (int i = 0; i < sqliteDbs; i++) {
                Path db = dir.resolve("app" + i + ".db");
                TestDb app = new TestDb(db);
                Replicator r = new Replicator("app" + i, db, new PrefixedStore(base, "app" + i + "/"), settings);
                int segments = i % 2 == 0 ? 10 : many;
                for (int s = 0; s < segments; s++) {
                    app.insert(s, s + 1, 100);
                    r.sync();
                }
                apps.add(app);
                replicators.add(r);
            }
            List<ObjectStore> pgStores = new ArrayList<>();
            for (int i = 0; i < pgDbs; i++) {
                ObjectStore store = new PrefixedStore(base, "pg" + i + "/");
                for (int b = 0; b < 3; b++) {
                    new PgBackup(PgBackup.Settings.of("pg" + i, config.databases().get("pg" + i)), new BackupCatalog(store), PgTools.standard(),
                            Clock.systemUTC()).run();
                }
                pgStores.add(store);
            }
            System.out.printf("set-up: %d sqlite replicas (%d with 10 WAL segments, %d with %d), %d postgres databases x 3 backups, in %.0f s%n",
                    sqliteDbs, (sqliteDbs + 1) / 2, sqliteDbs / 2, many, pgDbs, (System.nanoTime() - t0) / 1e9);

            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            List<BackupAudit> pgAudits = new ArrayList<>();
            for (int i = 0; i < pgDbs; i++) {
                pgAudits.add(new BackupAudit());
            }
            System.out.println("round  sqlite req/db (few seg | many seg)  postgres req/db  wall ms  cpu ms  cpu share at 5m");
            for (int round = 1; round <= rounds; round++) {
                long wall = System.nanoTime();
                long cpu0 = cpu.getCurrentThreadCpuTime();
                long fewReq = 0;
                long manyReq = 0;
                long pgReq = 0;
                int damaged = 0;
                for (int i = 0; i < replicators.size(); i++) {
                    Replicator r = replicators.get(i);
                    AuditReport report = new ReplicaAudit(r.store(), r.codec()).audit(r.name(), r.ledger().view(), false);
                    damaged += report.restorable() ? 0 : 1;
                    if (i % 2 == 0) {
                        fewReq += report.requests();
                    } else {
                        manyReq += report.requests();
                    }
                }
                for (int i = 0; i < pgDbs; i++) {
                    AuditReport report = pgAudits.get(i).audit("pg" + i, pgStores.get(i), false);
                    damaged += report.restorable() ? 0 : 1;
                    pgReq += report.requests();
                }
                double cpuMs = (cpu.getCurrentThreadCpuTime() - cpu0) / 1e6;
                double wallMs = (System.nanoTime() - wall) / 1e6;
                System.out.printf("%5d  %13.2f | %-13.2f  %15.2f  %7.0f  %6.0f  %.4f %%%s%n", round, fewReq / (double) ((sqliteDbs + 1) / 2),
                        manyReq / (double) Math.max(1, sqliteDbs / 2), pgReq / (double) Math.max(1, pgDbs), wallMs, cpuMs,
                        cpuMs / 300_000.0 * 100, damaged > 0 ? "  (" + damaged + " not restorable!)" : "");
            }
            for (int i = 0; i < replicators.size(); i++) {
                replicators.get(i).close();
                apps.get(i).close();
            }
            base.close();
        }
    }
}
