package dev.lifeboat.cli;

import dev.lifeboat.sqlite.SqliteVersion;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine;

/**
 * The version Quarkus recorded at build time ({@code quarkus.application.version}, the pom's), else "dev", and the
 * bundled SQLite's version. Not the package's manifest: on the class path of the aot-jar packaging, a package's first
 * class may come from Quarkus's generated-bytecode jar, whose manifest has no version.
 */
public class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = ConfigProvider.getConfig().getOptionalValue("quarkus.application.version", String.class).orElse("dev");
        return new String[] {"lifeboat " + v, "SQLite " + SqliteVersion.bundled()};
    }
}
