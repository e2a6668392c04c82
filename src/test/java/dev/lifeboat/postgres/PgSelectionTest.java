package dev.lifeboat.postgres;

import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.testing.ExternalProcess;
import dev.lifeboat.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The manifest lists exactly the tables pg_dump dumps: each selection is checked against what real pg_dump 15
 * puts in its archive ({@code pg_restore --list}), on names chosen to catch case folding, quoting, wildcards,
 * visibility and the rule that table patterns override schema patterns.
 */
class PgSelectionTest {
    static PostgresServer pg;

    @BeforeAll
    static void start() {
        pg = PostgresServer.start();
        pg.createDatabase("sel");
        pg.sql("sel",
                "CREATE SCHEMA app", "CREATE SCHEMA archive", "CREATE SCHEMA \"Sales\"",
                "CREATE TABLE app.users (id int)", "CREATE TABLE app.orders (id int)", "CREATE TABLE app.audit_log (id int)",
                "CREATE TABLE archive.t1 (id int)", "CREATE TABLE \"Sales\".\"Big\" (id int)", "CREATE TABLE \"Sales\".big (id int)",
                "CREATE TABLE public.t_2024 (id int)", "CREATE TABLE public.t_2025 (id int)", "CREATE TABLE public.audit_log (id int)",
                "CREATE TABLE public.\"a.b\" (id int)", "CREATE VIEW public.v AS SELECT 1 AS one");
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void everythingByDefault() throws Exception {
        assertSameAsPgDump(new PgSelection(List.of(), List.of(), List.of(), List.of()));
    }

    @Test
    void excludedTablesQualifiedUnqualifiedAndWildcards() throws Exception {
        // Unqualified audit_log means the visible one (public), not app.audit_log.
        assertSameAsPgDump(new PgSelection(List.of(), List.of(), List.of(), List.of("audit_log", "t_202?", "\"a.b\"")));
        assertSameAsPgDump(new PgSelection(List.of(), List.of(), List.of(), List.of("app.audit_log", "*.T1")));
    }

    @Test
    void schemasIncludedAndExcludedWithQuotesAndCase() throws Exception {
        assertSameAsPgDump(new PgSelection(List.of("app", "\"Sales\""), List.of(), List.of(), List.of("app.audit_log")));
        assertSameAsPgDump(new PgSelection(List.of(), List.of("archive", "SALES"), List.of(), List.of()));
        assertSameAsPgDump(new PgSelection(List.of(), List.of("archive", "\"Sales\""), List.of(), List.of()));
        assertSameAsPgDump(new PgSelection(List.of("a*"), List.of("archive"), List.of(), List.of()));
    }

    @Test
    void tablePatternsOverrideSchemaPatterns() throws Exception {
        assertSameAsPgDump(new PgSelection(List.of("archive"), List.of("app"), List.of("app.*", "\"Sales\".\"Big\"", "t_2025"), List.of("app.orders")));
        assertSameAsPgDump(new PgSelection(List.of(), List.of(), List.of("[a-z]*.t_20[0-9][4]"), List.of()));
    }

    private static void assertSameAsPgDump(PgSelection selection) throws Exception {
        String toc;
        java.nio.file.Path archive = java.nio.file.Files.createTempFile("selection", ".pgdump");
        try {
            List<String> dump = new ArrayList<>(List.of("pg_dump", "--schema-only", "--format=custom", "--file=" + archive, pg.url("sel")));
            dump.addAll(selection.pgDumpArgs());
            ExternalProcess.run(dump, Duration.ofMinutes(1));
            toc = ExternalProcess.run(List.of("pg_restore", "--list", archive.toString()), Duration.ofMinutes(1));
        } finally {
            java.nio.file.Files.deleteIfExists(archive);
        }
        TreeSet<String> dumped = new TreeSet<>();
        for (String line : toc.split("\n")) {
            // "215; 1259 16390 TABLE app users postgres"
            String[] f = line.split(" ");
            if (!line.startsWith(";") && f.length >= 6 && f[3].equals("TABLE")) {
                dumped.add(f[4] + "." + f[5]);
            }
        }
        TreeSet<String> listed = new TreeSet<>();
        try (PgSession session = PgSession.open(PgUrl.parse(pg.url("sel")))) {
            for (Manifest.TableRows t : session.estimatedRowCounts(selection)) {
                listed.add(t.schema() + "." + t.table());
            }
        }
        assertEquals(dumped, listed, "selection " + selection.pgDumpArgs());
    }
}
