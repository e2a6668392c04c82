package dev.lifeboat.config;

import dev.lifeboat.stream.Compression;
import org.eclipse.microprofile.config.spi.Converter;

/** Reads {@code compression:}; an unknown name is reported with the accepted ones. */
public final class CompressionConverter implements Converter<Compression> {
    @Override
    public Compression convert(String value) {
        return Compression.named(value);
    }
}
