package dev.lifeboat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The directories of a {@code PATH}-style variable, in order, for finding the programs Lifeboat drives. */
public final class SearchPath {
    private SearchPath() {
    }

    /** The non-empty entries of {@code path} (a colon-separated list; null means none). */
    public static List<Path> directories(String path) {
        List<Path> dirs = new ArrayList<>();
        if (path != null) {
            for (String p : path.split(":")) {
                if (!p.isBlank()) {
                    dirs.add(Path.of(p));
                }
            }
        }
        return dirs;
    }
}
