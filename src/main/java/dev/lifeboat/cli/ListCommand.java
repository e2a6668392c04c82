package dev.lifeboat.cli;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.audit.AuditReport;
import dev.lifeboat.audit.AuditService;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.ManifestCodec;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.postgres.PgBackupService;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/** {@code lifeboat list DB [--json]}: the backups of a database, oldest first by the time in their manifests. */
@jakarta.enterprise.context.Dependent
@io.quarkus.arc.Unremovable
@Command(name = "list", description = "List the backups of a database (oldest first).")
public class ListCommand extends DatabaseCommand {
    @Option(names = "--json", description = "Print the manifests as a JSON array.")
    boolean json;

    @Inject
    PgBackupService postgres;

    @Option(names = "--pitr", description = "Postgres: list the point-in-time-recovery base backups and the restorable time range.")
    boolean pitr;

    @Inject
    dev.lifeboat.pitr.BaseBackupService baseBackups;

    @Inject
    AuditService audits;

    @Override
    public Integer call() throws IOException {
        LifeboatConfig loaded = loadConfig();
        DatabaseConfig db = databaseIn(loaded);
        if (pitr) {
            return listPitr();
        }
        AuditReport audit = audit(loaded, db);
        return switch (db.type()) {
            case POSTGRES -> listPostgres(audit);
            case SQLITE -> listSqlite(loaded, audit);
        };
    }

    /** The destination's audit (which backups or generations are damaged), or null when it cannot be made. */
    private AuditReport audit(LifeboatConfig loaded, DatabaseConfig db) {
        try {
            return audits.auditor(db).isPresent() ? audits.auditor(db).get().audit(database, loaded, false) : null;
        } catch (IOException e) {
            return null; // the listing below reports the unreachable destination
        }
    }

    private static String check(AuditReport audit, String id) {
        return audit == null ? "?" : audit.damaged().contains(id) ? "DAMAGED" : "ok";
    }

    private void printProblems(AuditReport audit) {
        if (audit != null && !audit.problems().isEmpty()) {
            PrintWriter out = out();
            out.println();
            out.println("damaged (" + (audit.restorable() ? "older backups; the newest is restorable" : "the newest point is NOT restorable") + "):");
            audit.problems().forEach(p -> out.println("  " + p));
        }
    }

    /** SQLite: the replica's generations, newest last, with their snapshots and WAL reach (what restore can pick from). */
    private int listSqlite(LifeboatConfig loaded, AuditReport audit) {
        PrintWriter out = out();
        try (var store = dev.lifeboat.sqlite.SqliteRestoreService.storeFor(loaded, database)) {
            var catalog = dev.lifeboat.sqlite.ReplicaCatalog.load(store);
            var gens = catalog.generations().values().stream()
                    .sorted(java.util.Comparator.comparing(dev.lifeboat.sqlite.ReplicaCatalog.Generation::updatedAt)).toList();
            if (gens.isEmpty()) {
                out.println("no replica of " + database + " in " + store.describe() + " yet");
                return 0;
            }
            out.printf("%-16s  %-20s  %-20s  %9s  %-17s  %s%n", "GENERATION", "CREATED (UTC)", "UPDATED (UTC)", "SNAPSHOTS", "WAL INDEXES", "CHECK");
            for (var g : gens) {
                String wal = g.segments().isEmpty() ? "-" : String.format("%08x..%08x", g.segments().getFirst().index(), g.segments().getLast().index());
                boolean audited = audit != null && audit.newest() != null && audit.newest().startsWith("generation " + g.name());
                out.printf("%-16s  %-20s  %-20s  %9d  %-17s  %s%n", g.name(), g.createdAt().toString().replaceFirst("\\.\\d+Z$", "Z"),
                        g.updatedAt().toString().replaceFirst("\\.\\d+Z$", "Z"), g.snapshots().size(), wal,
                        audited ? check(audit, g.name()) : "-");
            }
            printProblems(audit);
            return 0;
        } catch (IOException e) {
            throw new UserFacingException("cannot list the replica of " + database + ": " + e.getMessage());
        }
    }

    private int listPostgres(AuditReport audit) throws IOException {
        List<Manifest> backups;
        try {
            backups = postgres.catalog(database).list();
        } catch (IOException e) {
            throw new UserFacingException("cannot list the backups of " + database + ": " + e.getMessage());
        }
        PrintWriter out = out();
        if (json) {
            out.println(ManifestCodec.toJson(backups));
            return 0;
        }
        if (backups.isEmpty()) {
            out.println("no backups of " + database + " yet");
            return 0;
        }
        out.printf("%-24s  %-20s  %8s  %10s  %10s  %-6s  %-9s  %s%n", "ID", "TAKEN (UTC)", "SECONDS", "DUMPED", "STORED", "COMP", "ENCRYPTED", "CHECK");
        for (Manifest m : backups) {
            out.printf("%-24s  %-20s  %8.1f  %10s  %10s  %-6s  %-9s  %s%n", m.id(), m.startedAt().toString().replaceFirst("\\.\\d+Z$", "Z"),
                    m.duration().toMillis() / 1000.0, Databases.bytes(m.rawBytes()), Databases.bytes(m.storedBytes()), m.compression(),
                    m.encrypted() ? "age" : "no", check(audit, m.id()));
        }
        printProblems(audit);
        return 0;
    }

    /** Base backups oldest first, then the range a restore can reach: the oldest base backup's end to the newest archived WAL. */
    private int listPitr() {
        PrintWriter out = out();
        try {
            var catalog = baseBackups.catalog(database);
            var bases = catalog.list();
            var wal = new dev.lifeboat.pitr.WalArchive(catalog.store(), List.of()).list();
            var window = dev.lifeboat.pitr.RestorableWindow.of(bases, wal);
            if (json) {
                out.println(ManifestCodec.toJson(java.util.Map.of("baseBackups", bases, "restorable", window)));
                return 0;
            }
            if (bases.isEmpty()) {
                out.println("no PITR base backups of " + database + " yet (" + wal.size() + " WAL object(s) archived)");
                return 0;
            }
            out.printf("%-18s  %-24s  %-12s  %-12s  %3s  %10s  %10s%n", "BASE BACKUP", "CONSISTENT AT (UTC)", "START LSN", "STOP LSN", "TL", "SIZE", "STORED");
            for (var m : bases) {
                out.printf("%-18s  %-24s  %-12s  %-12s  %3d  %10s  %10s%n", m.id(), m.consistentAt().toString().replaceFirst("\\.\\d+Z$", "Z"),
                        m.startLsn(), m.stopLsn(), m.timeline(), Databases.bytes(m.rawBytes()), Databases.bytes(m.storedBytes()));
            }
            out.println();
            out.println(window.describe());
            return 0;
        } catch (IOException e) {
            throw new UserFacingException("cannot list the PITR backups of " + database + ": " + e.getMessage());
        }
    }
}
