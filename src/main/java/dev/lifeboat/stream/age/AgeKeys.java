package dev.lifeboat.stream.age;

import dev.lifeboat.config.DatabaseConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place a database's {@code encryption} settings become keys: {@code encryption.recipients} for writing
 * backups and replicas, {@code encryption.identity-files} for reading them. Backups need only the recipients, so
 * identity files are read only by the runs that decrypt (restores, drills, replica resumes).
 */
public final class AgeKeys {
    private AgeKeys() {
    }

    /** What {@code db}'s backups are encrypted to; empty when it has no {@code encryption} settings. */
    public static List<AgeRecipient> recipients(DatabaseConfig db) {
        return db.encryption().map(e -> e.recipients().stream().map(AgeRecipient::parse).toList()).orElse(List.of());
    }

    /** The identities in {@code db}'s {@code encryption.identity-files}, in file order. */
    public static List<AgeIdentity> identities(DatabaseConfig db) throws IOException {
        return identities(db, List.of());
    }

    /** The identities in {@code firstFiles} (say, given on the command line), then those of {@code db}'s settings. */
    public static List<AgeIdentity> identities(DatabaseConfig db, List<Path> firstFiles) throws IOException {
        List<Path> files = new ArrayList<>(firstFiles);
        db.encryption().flatMap(DatabaseConfig.EncryptionConfig::identityFiles).orElse(List.of()).forEach(f -> files.add(Path.of(f)));
        List<AgeIdentity> identities = new ArrayList<>();
        for (Path file : files) {
            identities.addAll(AgeIdentity.readFile(file));
        }
        return identities;
    }
}
