package dev.lifeboat.postgres;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.TestConfigs;

import java.io.IOException;
import java.time.Clock;
import java.util.List;

/** Shared set-up of the PostgreSQL tests: configuration YAML, the database's store, a sample schema. */
final class PgFixtures {
    private PgFixtures() {
    }

    static String yaml(S3ProxyServer s3, PostgresServer pg, String database, String extra) {
        return "destinations:\n" + s3.destinationYaml("main", "backups", "lifeboat")
                + "databases:\n"
                + "  " + database + ":\n"
                + "    type: postgres\n"
                + "    url: " + pg.url(database) + "\n"
                + "    destination: main\n"
                + extra;
    }

    static ObjectStore store(LifeboatConfig config, String database) throws IOException {
        var db = config.databases().get(database);
        return ObjectStores.openUnder(config.destinations().get(db.destination()), database + "/");
    }

    static PgBackup backup(LifeboatConfig config, String database) throws IOException {
        return new PgBackup(PgBackup.Settings.of(database, config.databases().get(database)),
                new BackupCatalog(store(config, database)), PgTools.standard(), Clock.systemUTC());
    }

    static LifeboatConfig config(S3ProxyServer s3, PostgresServer pg, String database, String extra) {
        return TestConfigs.parse(yaml(s3, pg, database, extra));
    }

    /** Types pg_dump must carry faithfully: bytea, jsonb, arrays, large objects, sequences, several schemas. */
    static void sampleSchema(PostgresServer pg, String database) {
        pg.sql(database,
                "CREATE SCHEMA shop",
                "CREATE SCHEMA audit",
                "CREATE SEQUENCE shop.order_no START 1000 INCREMENT 7",
                "CREATE TABLE shop.orders (id bigserial PRIMARY KEY, no bigint DEFAULT nextval('shop.order_no'), "
                        + "payload jsonb NOT NULL, tags text[], scores int[], blob bytea, created timestamptz DEFAULT '2026-01-01')",
                "INSERT INTO shop.orders (payload, tags, scores, blob) SELECT jsonb_build_object('n', g, 'name', 'ü-' || g, 'nested', "
                        + "jsonb_build_array(g, g * 2, NULL)), ARRAY['a' || g, 'b,\"quoted\"'], ARRAY[g, -g], "
                        + "decode(md5(g::text) || '00ff', 'hex') FROM generate_series(1, 2000) g",
                "CREATE TABLE audit.events (at timestamptz, what text, doc oid)",
                "INSERT INTO audit.events VALUES ('2026-02-03 04:05:06+00', E'line\\nbreak\\ttab', lo_from_bytea(0, '\\x00010203deadbeef'::bytea))",
                "CREATE VIEW shop.big_orders AS SELECT id, payload FROM shop.orders WHERE id > 1000",
                "CREATE INDEX ON shop.orders USING gin (payload)",
                "SELECT setval('shop.order_no', 424242)",
                "CREATE FUNCTION audit.touch() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "ANALYZE");
    }

    /**
     * {@code pg_dump --format=plain} of a database, for comparing two databases' complete contents. The
     * {@code \restrict KEY} lines newer pg_dump releases add carry a random key per run and are removed.
     */
    static String plainDump(PostgresServer pg, String database) {
        String dump = dev.lifeboat.testing.ExternalProcess.run(List.of("pg_dump", "--format=plain", "--no-password", pg.url(database)),
                java.time.Duration.ofMinutes(2));
        return dump.replaceAll("(?m)^\\\\(un)?restrict .*$", "");
    }
}
