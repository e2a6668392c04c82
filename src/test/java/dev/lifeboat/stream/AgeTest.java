package dev.lifeboat.stream;

import dev.lifeboat.stream.age.Age;
import dev.lifeboat.stream.age.AgeIdentity;
import dev.lifeboat.stream.age.AgeRecipient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our age v1 implementation against the real {@code age} CLI (Debian package age), both directions. */
class AgeTest {
    @TempDir
    Path dir;

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] encrypt(byte[] plain, List<AgeRecipient> recipients) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream enc = Age.encrypt(out, recipients)) {
            enc.write(plain);
        }
        return out.toByteArray();
    }

    static byte[] decrypt(byte[] sealed, List<AgeIdentity> identities) throws IOException {
        try (InputStream in = Age.decrypt(new ByteArrayInputStream(sealed), identities)) {
            return in.readAllBytes();
        }
    }

    static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), () -> String.join(" ", command) + " failed: " + output);
        return output;
    }

    /** Sizes around the 64 KiB chunk boundary, where STREAM's last-chunk rules bite. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 65535, 65536, 65537, 3 * 65536, 200_000})
    void ourOutputDecryptsWithTheAgeCli(int size) throws Exception {
        run(dir, "age-keygen", "-o", "key.txt");
        String recipient = run(dir, "age-keygen", "-y", "key.txt").trim();
        byte[] plain = randomBytes(size, size);
        Files.write(dir.resolve("file.age"), encrypt(plain, List.of(AgeRecipient.parse(recipient))));
        run(dir, "age", "-d", "-i", "key.txt", "-o", "file.out", "file.age");
        // age creates its output lazily: an empty plaintext leaves no file.
        Path out = dir.resolve("file.out");
        assertArrayEquals(plain, Files.exists(out) ? Files.readAllBytes(out) : new byte[0]);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 65536, 65537, 200_000})
    void ageCliOutputDecryptsHere(int size) throws Exception {
        AgeIdentity identity = AgeIdentity.generate();
        AgeIdentity other = AgeIdentity.generate();
        byte[] plain = randomBytes(size, size + 7);
        Files.write(dir.resolve("file"), plain);
        // Two recipients: the CLI writes two stanzas and we must find ours among them.
        run(dir, "age", "-r", other.recipient().encoded(), "-r", identity.recipient().encoded(), "-o", "file.age", "file");
        assertArrayEquals(plain, decrypt(Files.readAllBytes(dir.resolve("file.age")), List.of(identity)));
    }

    @Test
    void identityFilesFromAgeKeygenParseAndMatchTheirRecipient() throws Exception {
        run(dir, "age-keygen", "-o", "key.txt");
        String recipient = run(dir, "age-keygen", "-y", "key.txt").trim();
        List<AgeIdentity> ids = AgeIdentity.readFile(dir.resolve("key.txt"));
        assertEquals(1, ids.size());
        assertEquals(recipient, ids.getFirst().recipient().encoded());
        assertTrue(!ids.getFirst().toString().contains("AGE-SECRET-KEY"), "toString must not show the secret");
        assertEquals(ids.getFirst().encodeSecret(), Files.readAllLines(dir.resolve("key.txt")).stream()
                .filter(l -> l.startsWith("AGE-SECRET-KEY-1")).findFirst().orElseThrow());
    }

    @Test
    void wrongIdentityIsRefusedWithAHint() throws Exception {
        byte[] sealed = encrypt(randomBytes(10, 1), List.of(AgeIdentity.generate().recipient()));
        IOException e = assertThrows(IOException.class, () -> decrypt(sealed, List.of(AgeIdentity.generate())));
        assertTrue(e.getMessage().contains("matches any"), e.getMessage());
    }

    @Test
    void tamperingAndTruncationAreDetected() throws Exception {
        AgeIdentity id = AgeIdentity.generate();
        byte[] sealed = encrypt(randomBytes(150_000, 2), List.of(id.recipient()));
        byte[] flipped = sealed.clone();
        flipped[flipped.length - 100] ^= 1;
        assertThrows(IOException.class, () -> decrypt(flipped, List.of(id)));
        byte[] truncated = java.util.Arrays.copyOf(sealed, sealed.length - (sealed.length - 200) % 65552 - 1);
        assertThrows(IOException.class, () -> decrypt(truncated, List.of(id)));
        // Cut exactly at a chunk boundary: the remaining last chunk was sealed as "not last" and must not verify.
        int headerEnd = new String(sealed, StandardCharsets.ISO_8859_1).indexOf("\n", new String(sealed, StandardCharsets.ISO_8859_1).indexOf("--- ")) + 1;
        byte[] atBoundary = java.util.Arrays.copyOf(sealed, headerEnd + 16 + 65536 + 16);
        assertThrows(IOException.class, () -> decrypt(atBoundary, List.of(id)));
        byte[] header = sealed.clone();
        header[30] ^= 1;
        assertThrows(IOException.class, () -> decrypt(header, List.of(id)));
    }

    @Test
    void malformedKeysAreRejected() {
        AgeRecipient good = AgeIdentity.generate().recipient();
        String typo = good.encoded().substring(0, 20) + (good.encoded().charAt(20) == 'q' ? 'p' : 'q') + good.encoded().substring(21);
        assertThrows(IllegalArgumentException.class, () -> AgeRecipient.parse(typo));
        assertThrows(IllegalArgumentException.class, () -> AgeRecipient.parse("age1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgeIdentity.parse("AGE-SECRET-KEY-1QQQQ"));
        assertTrue(!e.getMessage().contains("QQQQ"), "identity errors must not echo the secret");
        assertEquals(good, AgeRecipient.parse(good.encoded().toUpperCase(java.util.Locale.ROOT)));
    }
}
