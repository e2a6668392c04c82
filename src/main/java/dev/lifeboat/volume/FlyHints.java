package dev.lifeboat.volume;

import dev.lifeboat.config.VolumeConfig;

/** The advice every "not mounted" message ends with: what to check on Fly. */
final class FlyHints {
    private FlyHints() {
    }

    /** Tells the user what to check in fly.toml [mounts] for this volume. */
    static String mounts(String name, VolumeConfig volume) {
        String source = volume.flyVolume().orElse(name);
        return "Check fly.toml [mounts]: an entry with source = \"" + source + "\" and destination = \"" + volume.path()
                + "\" (or a parent directory of it); fly volumes list must show a volume named " + source
                + " in this machine's region, and the machine must have been deployed with it (fly deploy)";
    }
}
