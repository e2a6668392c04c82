package dev.lifeboat.catalog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;

/** Manifests as pretty JSON with ISO-8601 times, readable by people and {@code jq}. */
public final class ManifestCodec {
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ManifestCodec() {
    }

    public static byte[] encode(Manifest m) {
        try {
            return JSON.writeValueAsBytes(m);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize manifest " + m.id(), e);
        }
    }

    public static Manifest decode(byte[] json) throws IOException {
        Manifest m = JSON.readValue(json, Manifest.class);
        if (m.id() == null || m.startedAt() == null || m.dataKey() == null || m.sha256() == null) {
            throw new IOException("manifest lacks id, startedAt, dataKey or sha256");
        }
        return m;
    }

    /** Pretty JSON of any record with the same conventions (other manifest kinds, such as PITR base backups). */
    public static byte[] encodeValue(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /** Reads JSON written by {@link #encodeValue}. */
    public static <T> T decodeValue(byte[] json, Class<T> type) throws IOException {
        return JSON.readValue(json, type);
    }

    /** The JSON of any value with the same conventions (for {@code list --json}). */
    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
