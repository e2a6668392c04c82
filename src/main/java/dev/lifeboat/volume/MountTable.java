package dev.lifeboat.volume;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The mounts this process sees, read from {@code /proc/self/mountinfo} (not {@code /proc/mounts}: only mountinfo
 * has the device numbers and the bind-mount root that tell a real volume from a directory of the root disk).
 *
 * @param mounts in file order; a later mount on the same mount point hides the earlier ones
 */
public record MountTable(List<Mount> mounts) {
    /** Where the kernel describes this process's mount namespace. */
    public static final Path PROC_MOUNTINFO = Path.of("/proc/self/mountinfo");

    /**
     * One line of mountinfo.
     *
     * @param id          mount id
     * @param parentId    id of the parent mount
     * @param device      {@code major:minor} of the filesystem's device; equal devices mean the same filesystem
     * @param root        directory of the filesystem that is mounted here ({@code /} unless a bind mount of a subdirectory)
     * @param mountPoint  where it is mounted, escapes decoded
     * @param options     per-mount options ({@code rw}/{@code ro}, {@code nosuid}...)
     * @param fsType      filesystem type ({@code ext4}, {@code tmpfs}...)
     * @param source      mount source ({@code /dev/vdb}, {@code tmpfs})
     * @param superOptions per-filesystem options; a filesystem can be read-only here even when the mount is not
     */
    public record Mount(int id, int parentId, String device, String root, Path mountPoint, List<String> options,
                        String fsType, String source, List<String> superOptions) {
        /** True when either the mount or its filesystem is read-only. */
        public boolean readOnly() {
            return options.contains("ro") || superOptions.contains("ro");
        }
    }

    /** Reads the mount table of this process. */
    public static MountTable read() throws IOException {
        return read(PROC_MOUNTINFO);
    }

    /** Reads a mountinfo-formatted file (tests use their own). */
    public static MountTable read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Parses mountinfo text; lines that do not follow the format are skipped rather than failing every check. */
    public static MountTable parse(String text) {
        List<Mount> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
            String[] f = line.trim().split(" ");
            int dash = Arrays.asList(f).indexOf("-");
            if (f.length < 7 || dash < 6 || f.length < dash + 3) {
                continue;
            }
            try {
                out.add(new Mount(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], unescape(f[3]),
                        Path.of(unescape(f[4])), List.of(f[5].split(",")), unescape(f[dash + 1]), unescape(f[dash + 2]),
                        f.length > dash + 3 ? List.of(f[dash + 3].split(",")) : List.of()));
            } catch (RuntimeException e) {
                // a malformed line: ignore it, the others still describe the namespace
            }
        }
        return new MountTable(List.copyOf(out));
    }

    /** The kernel writes space, tab, newline and backslash in paths as octal escapes ({@code \040}). */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    /**
     * The mount that holds {@code path}: the one with the longest mount point that is {@code path} or one of its
     * ancestors, the last of equal ones (it hides the others). {@code path} must be absolute and already resolved
     * ({@link Path#toRealPath}); symlinks are not followed here.
     */
    public Optional<Mount> covering(Path path) {
        Path target = path.normalize();
        Mount best = null;
        for (Mount m : mounts) {
            if (target.startsWith(m.mountPoint())
                    && (best == null || m.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The mount of {@code /}: the machine's root filesystem (ephemeral on Fly). */
    public Optional<Mount> root() {
        return covering(Path.of("/"));
    }

    /**
     * Why {@code mount} is not a volume of its own, or empty when it is: it is the root filesystem itself, or a bind
     * mount of a directory of the root filesystem's device (data written there still lands on the root disk).
     */
    public Optional<String> notDistinctFromRoot(Mount mount) {
        Optional<Mount> root = root();
        if (root.isEmpty()) {
            return Optional.empty();
        }
        Mount r = root.get();
        if (mount.id() == r.id()) {
            return Optional.of("it is a directory on the root filesystem (" + describe(r) + "), not a mounted volume");
        }
        if (mount.device().equals(r.device())) {
            return Optional.of("it is a bind mount of " + mount.root() + " from the root filesystem's device ("
                    + describe(r) + "), not a volume of its own");
        }
        return Optional.empty();
    }

    /** {@code ext4 /dev/vdb on /data}. */
    static String describe(Mount m) {
        return m.fsType() + " " + m.source() + " on " + m.mountPoint();
    }
}
