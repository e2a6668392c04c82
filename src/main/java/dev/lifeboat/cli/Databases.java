package dev.lifeboat.cli;

import dev.lifeboat.UserFacingException;
import dev.lifeboat.config.DatabaseConfig;
import dev.lifeboat.config.LifeboatConfig;

import java.util.Locale;

/** Small helpers shared by the per-database commands. */
final class Databases {
    private Databases() {
    }

    /** The configured database {@code name}, or a user-facing error listing the configured ones. */
    static DatabaseConfig named(LifeboatConfig config, String name, ConfigOption file) {
        DatabaseConfig db = config.databases().get(name);
        if (db == null) {
            throw new UserFacingException("no database named '" + name + "' in " + file.path() + "; configured: "
                    + (config.databases().isEmpty() ? "none" : String.join(", ", config.databases().keySet())));
        }
        return db;
    }

    /** 1536 → "1.5 KiB". */
    static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
