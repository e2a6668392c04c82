package dev.lifeboat.postgres;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgUrlTest {
    @Test
    void passwordLeavesTheUrlAndSslSettingsStay() {
        PgUrl url = PgUrl.parse("postgres://app%40x:p%40ss%2Fw0rd@db.internal:6543/shop%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=5");
        assertEquals("app@x", url.user());
        assertEquals("p@ss/w0rd", url.password());
        assertEquals("shop db", url.database());
        assertEquals(6543, url.port());
        String libpq = url.libpqUrlWithoutPassword();
        assertFalse(libpq.contains("w0rd"), libpq);
        assertTrue(libpq.contains("sslmode=verify-full") && libpq.contains("sslrootcert=%2Fetc%2Fca.pem"), libpq);
        assertEquals("p@ss/w0rd", url.libpqEnvironment().get("PGPASSWORD"));
        assertEquals("verify-full", url.jdbcProperties().getProperty("sslmode"));
        assertEquals("5", url.jdbcProperties().getProperty("connectTimeout"));
        assertFalse(url.jdbcUrl().contains("w0rd"));
        assertEquals("error for *** at postgres://app:***@h/db and ***", url.redact("error for p@ss/w0rd at postgres://app:p@ss/w0rd@h/db and p%40ss%2Fw0rd"));
    }

    @Test
    void passwordInTheQueryAndDefaults() {
        PgUrl url = PgUrl.parse("postgresql://h/db?password=secret&user=u");
        assertEquals("u", url.user());
        assertEquals("secret", url.password());
        assertEquals(5432, url.port());
        assertFalse(url.libpqUrlWithoutPassword().contains("secret"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PgUrl.parse("mysql://u:topsecret@h/db"));
        assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
    }
}
