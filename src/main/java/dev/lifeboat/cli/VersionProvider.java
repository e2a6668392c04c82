package dev.lifeboat.cli;

import picocli.CommandLine;

/** Version from the jar manifest (set by the build), else "dev". */
public class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"lifeboat " + (v == null ? "dev" : v)};
    }
}
