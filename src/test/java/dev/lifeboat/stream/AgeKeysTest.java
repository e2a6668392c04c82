package dev.lifeboat.stream;

import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.stream.age.AgeIdentity;
import dev.lifeboat.stream.age.AgeKeys;
import dev.lifeboat.stream.age.AgeRecipient;
import dev.lifeboat.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A database's encryption settings become keys in one place: recipients to write, identities to read. */
class AgeKeysTest {
    @TempDir
    Path dir;

    private DatabaseConfig database(String encryption) {
        return TestConfigs.parse("destinations:\n  main:\n    url: s3://my-bucket/backups\n"
                + "databases:\n  pg: { type: postgres, url: 'postgres://h/db', destination: main" + encryption + " }\n")
                .databases().get("pg");
    }

    private Path identityFile(String name, AgeIdentity... identities) throws IOException {
        StringBuilder text = new StringBuilder("# created: by the test\n");
        for (AgeIdentity id : identities) {
            text.append("# public key: ").append(id.recipient().encoded()).append('\n').append(id.encodeSecret()).append("\n\n");
        }
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void noEncryptionSettingsMeanNoKeys() throws Exception {
        DatabaseConfig plain = database("");
        assertEquals(List.of(), AgeKeys.recipients(plain));
        assertEquals(List.of(), AgeKeys.identities(plain));
    }

    @Test
    void recipientsAndIdentitiesComeFromTheSettingsInOrder() throws Exception {
        AgeIdentity a = AgeIdentity.generate();
        AgeIdentity b = AgeIdentity.generate();
        AgeIdentity c = AgeIdentity.generate();
        Path configured = identityFile("configured.txt", c);
        Path given = identityFile("given.txt", a, b);
        DatabaseConfig db = database(", encryption: { recipients: [" + a.recipient().encoded() + ", "
                + c.recipient().encoded() + "], identity-files: ['" + configured + "'] }");
        assertEquals(List.of(a.recipient(), c.recipient()), AgeKeys.recipients(db));
        assertEquals(List.of(c.recipient()), AgeKeys.identities(db).stream().map(AgeIdentity::recipient).toList());
        List<AgeRecipient> firstGivenThenConfigured = AgeKeys.identities(db, List.of(given)).stream().map(AgeIdentity::recipient).toList();
        assertEquals(List.of(a.recipient(), b.recipient(), c.recipient()), firstGivenThenConfigured);
    }

    @Test
    void aBadIdentityFileNamesTheFileAndLineButNotTheSecret() throws Exception {
        Path broken = Files.writeString(dir.resolve("broken.txt"), "# comment\nAGE-SECRET-KEY-1QQQQ\n");
        DatabaseConfig db = database(", encryption: { recipients: [" + AgeIdentity.generate().recipient().encoded()
                + "], identity-files: ['" + broken + "'] }");
        IOException e = assertThrows(IOException.class, () -> AgeKeys.identities(db));
        assertTrue(e.getMessage().contains(broken + " line 2"), e.getMessage());
        assertTrue(!e.getMessage().contains("QQQQ"), e.getMessage());
        // Writing needs no identity file: a backup must not depend on the secret key being present.
        assertEquals(1, AgeKeys.recipients(db).size());
    }
}
