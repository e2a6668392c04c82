package dev.lifeboat.stream;

import com.fasterxml.jackson.annotation.JsonValue;
import io.airlift.compress.zstd.ZstdInputStream;
import io.airlift.compress.zstd.ZstdOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Compression of stored objects, an interchangeable stage of a backup stream (WAL-G style): every value
 * compresses on the write side and decompresses on the read side, and the output of each is readable by the
 * matching standard tool ({@code zstd -d}, {@code gunzip}).
 *
 * <p>zstd is aircompressor's pure-Java implementation: no JNI library to ship (native-image friendly), no external
 * process. It compresses at one fixed level comparable to {@code zstd -3}, but slower and about 40% larger than the
 * zstd program (bench/stream-stages.sh), which pg_dump backups therefore use when it is installed ({@link ZstdCli}).
 */
public enum Compression {
    /** zstd frames with content checksums; readable by {@code zstd -d}. The default. */
    ZSTD("zstd", ".zst") {
        @Override
        public OutputStream compress(OutputStream out) throws IOException {
            return new ZstdOutputStream(out);
        }

        @Override
        public InputStream decompress(InputStream in) {
            return new ZstdInputStream(in);
        }
    },
    /** gzip (RFC 1952) at the JDK's default level; readable by {@code gunzip}. */
    GZIP("gzip", ".gz") {
        @Override
        public OutputStream compress(OutputStream out) throws IOException {
            return new GZIPOutputStream(out, BUFFER, false);
        }

        @Override
        public InputStream decompress(InputStream in) throws IOException {
            return new GZIPInputStream(in, BUFFER);
        }
    },
    /** Bytes stored as they come. */
    NONE("none", "") {
        @Override
        public OutputStream compress(OutputStream out) {
            return out;
        }

        @Override
        public InputStream decompress(InputStream in) {
            return in;
        }
    };

    private static final int BUFFER = 64 * 1024;

    private final String configName;
    private final String extension;

    Compression(String configName, String extension) {
        this.configName = configName;
        this.extension = extension;
    }

    /**
     * Wraps {@code out}: bytes written are compressed into it. Closing the returned stream finishes the compressed
     * format and closes {@code out} (callers that must keep {@code out} open hand in a non-closing view).
     */
    public abstract OutputStream compress(OutputStream out) throws IOException;

    /** Wraps {@code in}: reads give the original bytes. */
    public abstract InputStream decompress(InputStream in) throws IOException;

    /** The name used in configuration, manifests and status output: {@code zstd}, {@code gzip}, {@code none}. */
    @JsonValue
    public String configName() {
        return configName;
    }

    /** File-name suffix of objects in this format ({@code .zst}, {@code .gz}, empty for none). */
    public String extension() {
        return extension;
    }

    /** The compression named {@code name} in configuration or a manifest; the exception lists the accepted names. */
    public static Compression named(String name) {
        for (Compression c : values()) {
            if (c.configName.equals(name.trim().toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        List<String> names = Arrays.stream(values()).map(Compression::configName).toList();
        throw new IllegalArgumentException("unknown compression '" + name + "'; use "
                + String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast());
    }

    /** Messages and logs name it as configuration does. */
    @Override
    public String toString() {
        return configName;
    }
}
