package dev.lifeboat.drill;

import dev.lifeboat.config.ByteSize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The "would it fit?" test run before a restore: an estimate against the configured limit and the measured free space. */
final class ScratchSpace {
    private ScratchSpace() {
    }

    /**
     * Refuses when {@code needed} bytes exceed {@code limit} (the {@code drill.scratch-space} setting) or the usable
     * space of {@code dir} (when a local directory is known). {@code what} says what the estimate is.
     */
    static void require(String database, long needed, String what, Optional<ByteSize> limit, Path dir) throws DrillException {
        if (limit.isPresent() && needed > limit.get().bytes()) {
            throw DrillException.refused("drill of " + database + " refused: it needs about " + human(needed) + " (" + what
                    + ") but drill.scratch-space allows " + human(limit.get().bytes()) + "; raise databases." + database + ".drill.scratch-space");
        }
        if (dir != null) {
            long free;
            try {
                free = Files.getFileStore(dir).getUsableSpace();
            } catch (IOException e) {
                return; // unknown: the restore itself will fail clearly if space runs out
            }
            if (needed > free) {
                throw DrillException.refused("drill of " + database + " refused: it needs about " + human(needed) + " (" + what + ") but "
                        + dir + " has only " + human(free) + " free; free space there or point the drill at a larger scratch location");
            }
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
