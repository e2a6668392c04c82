package dev.lifeboat.config;

import org.eclipse.microprofile.config.spi.Converter;

/** Reads {@code type:}; an unknown name is reported with the accepted ones. */
public final class DatabaseTypeConverter implements Converter<DatabaseType> {
    @Override
    public DatabaseType convert(String value) {
        return DatabaseType.named(value);
    }
}
