package dev.lifeboat.postgres;

import dev.lifeboat.Redaction;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A libpq connection URL ({@code postgres://user:password@host:5432/db?sslmode=require}) taken apart so that the
 * password never travels on a command line: pg_dump and pg_restore get the URL without it and the password in
 * {@code PGPASSWORD}; JDBC gets it as a property. Query parameters ({@code sslmode}, {@code sslrootcert}...) are
 * honoured by both.
 */
public record PgUrl(String host, int port, String database, String user, String password, Map<String, String> params) {
    public static final int DEFAULT_PORT = 5432;

    /** Parses a postgres:// or postgresql:// URL; the message never contains the password. */
    public static PgUrl parse(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed PostgreSQL URL " + Redaction.url(url));
        }
        if (!"postgres".equals(uri.getScheme()) && !"postgresql".equals(uri.getScheme())) {
            throw new IllegalArgumentException(Redaction.url(url) + " is not a postgres:// URL");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                String[] kv = pair.split("=", 2);
                params.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
            }
        }
        if (params.containsKey("password")) {
            password = params.remove("password");
        }
        if (params.containsKey("user")) {
            user = params.remove("user");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
        if (path.isEmpty() || uri.getHost() == null) {
            throw new IllegalArgumentException(Redaction.url(url) + " needs a host and a database name (postgres://user@host:5432/dbname)");
        }
        return new PgUrl(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : DEFAULT_PORT, decode(path), user, password, params);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The same server, another database (e.g. {@code postgres} for CREATE DATABASE). */
    public PgUrl withDatabase(String otherDatabase) {
        return new PgUrl(host, port, otherDatabase, user, password, params);
    }

    /** The URL for libpq tools, without the password (hand {@link #password()} over in PGPASSWORD). */
    public String libpqUrlWithoutPassword() {
        StringBuilder s = new StringBuilder("postgresql://");
        if (user != null) {
            s.append(encode(user)).append('@');
        }
        s.append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port).append('/').append(encode(database));
        String sep = "?";
        for (var e : params.entrySet()) {
            s.append(sep).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
            sep = "&";
        }
        return s.toString();
    }

    /** The environment libpq tools need besides the URL. */
    public Map<String, String> libpqEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        return env;
    }

    /** JDBC URL (no credentials in it) for pgjdbc. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + encode(database);
    }

    /**
     * Connects through the pgjdbc driver directly, not DriverManager (its registry is global and class-loader
     * sensitive), with {@link #jdbcProperties()} and then {@code overrides} ({@code ApplicationName}, timeouts).
     */
    public java.sql.Connection connect(Properties overrides) throws java.sql.SQLException {
        Properties p = jdbcProperties();
        p.putAll(overrides);
        java.sql.Connection c = new org.postgresql.Driver().connect(jdbcUrl(), p);
        if (c == null) {
            throw new java.sql.SQLException("the PostgreSQL driver does not accept " + jdbcUrl());
        }
        return c;
    }

    /** pgjdbc properties: credentials and the libpq parameters pgjdbc understands under the same names. */
    public Properties jdbcProperties() {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        for (String key : new String[] {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword"}) {
            if (params.containsKey(key)) {
                p.setProperty(key, params.get(key));
            }
        }
        if (params.containsKey("connect_timeout")) {
            p.setProperty("connectTimeout", params.get("connect_timeout"));
        }
        p.setProperty("ApplicationName", "lifeboat");
        return p;
    }

    /** For people and logs: no password. */
    @Override
    public String toString() {
        return libpqUrlWithoutPassword();
    }

    /** Removes the password (and URL-style secrets) from text a libpq tool wrote, such as pg_dump's stderr. */
    public String redact(String text) {
        String out = text;
        if (password != null && !password.isEmpty()) {
            // The literal first: URL-shaped redaction could cut a password holding '@' or '/' and leave its tail.
            out = out.replace(password, Redaction.MASK).replace(encode(password), Redaction.MASK);
        }
        return Redaction.url(out);
    }
}
