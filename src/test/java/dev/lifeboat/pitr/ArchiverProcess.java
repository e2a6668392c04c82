package dev.lifeboat.pitr;

import dev.lifeboat.postgres.PgUrl;
import dev.lifeboat.store.ObjectStore;
import dev.lifeboat.store.ObjectStores;
import dev.lifeboat.store.PrefixedStore;
import dev.lifeboat.stream.Compression;
import dev.lifeboat.testing.TestConfigs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A WAL archiver alone in its own JVM, for tests that SIGKILL it: {@code ArchiverProcess DESTINATION_YAML_FILE DB
 * POSTGRES_URL SLOT}. Runs until killed.
 */
public final class ArchiverProcess {
    private ArchiverProcess() {
    }

    public static void main(String[] args) throws Exception {
        String yaml = Files.readString(Path.of(args[0]));
        ObjectStore store = ObjectStores.open(TestConfigs.parse(yaml).destinations().get("s3"));
        WalArchive archive = new WalArchive(new PrefixedStore(store, args[1] + "/"), List.of());
        new WalArchiver(args[1], PgUrl.parse(args[2]), args[3], Duration.ofSeconds(1), archive, Compression.ZSTD, List.of()).run();
    }

    /** Starts one in a new JVM with the test's class path, its output in {@code log}. */
    static Process start(Path destinationYaml, String db, String url, String slot, Path log) throws java.io.IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), ArchiverProcess.class.getName(),
                destinationYaml.toString(), db, url, slot)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }
}
