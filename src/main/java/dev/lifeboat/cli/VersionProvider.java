package dev.lifeboat.cli;

import dev.lifeboat.sqlite.SqliteVersion;
import picocli.CommandLine;

/** Version from the jar manifest (set by the build), else "dev", and the bundled SQLite's version. */
public class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"lifeboat " + (v == null ? "dev" : v), "SQLite " + SqliteVersion.bundled()};
    }
}
