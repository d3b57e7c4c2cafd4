package dev.jshrew.memory;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How much memory this process may still commit, read from the kernel's files before anything is committed, so
 * that a commit the machine cannot hold is refused with a message instead of ending in an OOM kill half-way.
 *
 * <p>Sources, each becoming one {@link Limit}:
 * <ul>
 *   <li>cgroup v2: {@code memory.max} and {@code memory.high} of the process's cgroup and every ancestor up to the
 *       cgroup2 mount (the tightest wins), against {@code memory.current};</li>
 *   <li>cgroup v1: {@code memory.limit_in_bytes} against {@code memory.usage_in_bytes} of the memory controller's
 *       cgroup and its ancestors;</li>
 *   <li>{@code MemAvailable} in {@code /proc/meminfo};</li>
 *   <li>under strict overcommit ({@code vm.overcommit_memory=2}) {@code CommitLimit - Committed_AS}, which the
 *       whole reservation counts against (the kernel then ignores {@code MAP_NORESERVE}).</li>
 * </ul>
 * Usage counts exclude the cgroup's file cache ({@code active_file + inactive_file} in {@code memory.stat}),
 * which the kernel reclaims before it refuses anonymous memory.
 *
 * <p>All paths are resolved under a root directory ({@code /} in production) so tests can feed fake
 * {@code proc} and {@code sys} trees. Stateless apart from that root; thread-safe; every call re-reads the files.
 */
final class MemoryBudget {
    /** v1's "no limit": PAGE_COUNTER_MAX in bytes, 0x7FFFFFFFFFFFF000 on 4 KiB-page kernels. */
    private static final long V1_UNLIMITED_THRESHOLD = 1L << 62;

    private final Path root;

    MemoryBudget(Path root) {
        this.root = root;
    }

    static MemoryBudget system() {
        return new MemoryBudget(Path.of("/"));
    }

    /**
     * One limit on what the process may commit.
     *
     * @param description e.g. {@code cgroup memory.max allows 2048 MiB (1 MiB in use) at /sys/fs/cgroup/x}
     * @param addressSpace true when the limit applies to the whole reservation (strict overcommit), not just the
     *     committed part
     */
    record Limit(String description, long limitBytes, long usedBytes, boolean addressSpace) {
        long availableBytes() {
            return Math.max(0, limitBytes - usedBytes);
        }
    }

    /** Where the process's memory cgroup is: {@code version} 1 or 2, its directory and the hierarchy's mount. */
    record CgroupDir(int version, Path dir, Path mountPoint) {}

    /**
     * Refuses before anything is mapped or committed when a limit leaves less than is needed.
     *
     * @param reserveBytes the address space the reservation takes (counts only under strict overcommit)
     * @param commitBytes the bytes to make resident
     * @throws JshrewException {@link ErrorCode#MEMORY_COMMIT_REFUSED} naming the tightest limit broken
     */
    void require(long reserveBytes, long commitBytes) {
        List<Limit> broken = new ArrayList<>();
        for (Limit limit : limits()) {
            long need = limit.addressSpace() ? reserveBytes : commitBytes;
            if (need > limit.availableBytes()) {
                broken.add(limit);
            }
        }
        if (broken.isEmpty()) {
            return;
        }
        broken.sort(Comparator.comparingLong(Limit::availableBytes));
        Limit worst = broken.getFirst();
        StringBuilder msg = new StringBuilder(
                worst.addressSpace()
                        ? String.format(
                                Locale.ROOT, "cannot reserve %d MiB of guest address space: ", mib(reserveBytes))
                        : String.format(Locale.ROOT, "cannot commit %d MiB of guest memory: ", mib(commitBytes)));
        msg.append(worst.description());
        for (Limit other : broken.subList(1, broken.size())) {
            msg.append("; also ").append(other.description());
        }
        msg.append("; lower or disable the commit (--memory-commit SIZE|off) or raise the limit");
        throw new JshrewException(ErrorCode.MEMORY_COMMIT_REFUSED, msg.toString());
    }

    /** Every limit found, cgroups first; files that are missing or unreadable contribute nothing. */
    List<Limit> limits() {
        List<Limit> limits = new ArrayList<>();
        for (CgroupDir cg : memoryCgroups()) {
            if (cg.version() == 2) {
                addV2Limits(cg, limits);
            } else {
                addV1Limits(cg, limits);
            }
        }
        Path meminfo = host("/proc/meminfo");
        OptionalLong available = meminfoBytes(meminfo, "MemAvailable");
        if (available.isPresent()) {
            limits.add(new Limit(
                    String.format(Locale.ROOT, "MemAvailable in /proc/meminfo is %d MiB", mib(available.getAsLong())),
                    available.getAsLong(),
                    0,
                    false));
        } else {
            OptionalLong free = meminfoBytes(meminfo, "MemFree");
            if (free.isPresent()) {
                limits.add(new Limit(
                        String.format(Locale.ROOT, "MemFree in /proc/meminfo is %d MiB", mib(free.getAsLong())),
                        free.getAsLong(),
                        0,
                        false));
            }
        }
        if ("2".equals(readFirstLine(host("/proc/sys/vm/overcommit_memory")).orElse(""))) {
            OptionalLong commitLimit = meminfoBytes(meminfo, "CommitLimit");
            OptionalLong committed = meminfoBytes(meminfo, "Committed_AS");
            if (commitLimit.isPresent() && committed.isPresent()) {
                limits.add(new Limit(
                        String.format(
                                Locale.ROOT,
                                "vm.overcommit_memory=2 and CommitLimit allows %d MiB (%d MiB committed, Committed_AS)",
                                mib(commitLimit.getAsLong()),
                                mib(committed.getAsLong())),
                        commitLimit.getAsLong(),
                        committed.getAsLong(),
                        true));
            }
        }
        return limits;
    }

    /** The process's memory cgroups: the v2 one (if any), then the v1 memory controller's (if any). */
    List<CgroupDir> memoryCgroups() {
        List<CgroupDir> result = new ArrayList<>();
        List<String> lines = readLines(host("/proc/self/cgroup"));
        List<Mount> mounts = Mount.parseAll(readLines(host("/proc/self/mountinfo")));
        for (String line : lines) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                Optional<Mount> m = mounts.stream()
                        .filter(x -> x.fsType().equals("cgroup2"))
                        .findFirst();
                Path mountDir = m.map(x -> host(x.mountPoint())).orElse(host("/sys/fs/cgroup"));
                if (m.isPresent() || Files.exists(mountDir.resolve("cgroup.controllers"))) {
                    result.add(new CgroupDir(2, locate(f[2], m.map(Mount::root).orElse("/"), mountDir), mountDir));
                }
            } else if (List.of(f[1].split(",")).contains("memory")) {
                Optional<Mount> m = mounts.stream()
                        .filter(x ->
                                x.fsType().equals("cgroup") && x.superOptions().contains("memory"))
                        .findFirst();
                Path mountDir = m.map(x -> host(x.mountPoint())).orElse(host("/sys/fs/cgroup/memory"));
                if (Files.isDirectory(mountDir)) {
                    result.add(new CgroupDir(1, locate(f[2], m.map(Mount::root).orElse("/"), mountDir), mountDir));
                }
            }
        }
        result.sort(Comparator.comparingInt(c -> -c.version()));
        return result;
    }

    private void addV2Limits(CgroupDir cg, List<Limit> out) {
        for (Path d = cg.dir(); d != null && d.startsWith(cg.mountPoint()); d = d.getParent()) {
            OptionalLong current = readLong(d.resolve("memory.current"));
            if (current.isEmpty()) {
                continue;
            }
            long cache = fileCache(d.resolve("memory.stat"), "active_file", "inactive_file");
            for (String file : List.of("memory.max", "memory.high")) {
                Optional<String> value = readFirstLine(d.resolve(file));
                OptionalLong max = value.filter(v -> !v.equals("max"))
                        .map(MemoryBudget::parseLong)
                        .orElse(OptionalLong.empty());
                if (max.isPresent()) {
                    out.add(cgroupLimit("cgroup " + file, d, max.getAsLong(), current.getAsLong(), cache));
                }
            }
        }
    }

    private void addV1Limits(CgroupDir cg, List<Limit> out) {
        for (Path d = cg.dir(); d != null && d.startsWith(cg.mountPoint()); d = d.getParent()) {
            OptionalLong limit = readLong(d.resolve("memory.limit_in_bytes"));
            OptionalLong usage = readLong(d.resolve("memory.usage_in_bytes"));
            if (limit.isEmpty() || usage.isEmpty() || limit.getAsLong() >= V1_UNLIMITED_THRESHOLD) {
                continue;
            }
            Path stat = d.resolve("memory.stat");
            long cache = fileCache(stat, "total_active_file", "total_inactive_file");
            if (cache == 0) {
                cache = fileCache(stat, "active_file", "inactive_file");
            }
            out.add(cgroupLimit("cgroup memory.limit_in_bytes", d, limit.getAsLong(), usage.getAsLong(), cache));
        }
    }

    private static Limit cgroupLimit(String name, Path dir, long max, long usage, long cache) {
        long used = Math.max(0, usage - cache);
        String cacheNote = mib(cache) > 0
                ? String.format(Locale.ROOT, ", not counting %d MiB of reclaimable file cache", mib(cache))
                : "";
        return new Limit(
                String.format(
                        Locale.ROOT,
                        "%s allows %d MiB (%d MiB in use%s) at %s",
                        name,
                        mib(max),
                        mib(used),
                        cacheNote,
                        dir),
                max,
                used,
                false);
    }

    /** The directory of {@code cgroupPath} inside a hierarchy mounted at {@code mountDir} from {@code mountRoot}. */
    private static Path locate(String cgroupPath, String mountRoot, Path mountDir) {
        String rel;
        if (mountRoot.equals("/")) {
            rel = cgroupPath;
        } else if (cgroupPath.equals(mountRoot) || cgroupPath.startsWith(mountRoot + "/")) {
            rel = cgroupPath.substring(mountRoot.length());
        } else {
            rel = "/"; // a cgroup namespace we cannot see out of: the mount is as close as we get
        }
        if (rel.contains("..")) {
            return mountDir;
        }
        String stripped = rel.replaceFirst("^/+", "");
        Path dir = stripped.isEmpty() ? mountDir : mountDir.resolve(stripped);
        return Files.isDirectory(dir) ? dir : mountDir;
    }

    private static long fileCache(Path stat, String activeKey, String inactiveKey) {
        long sum = 0;
        for (String line : readLines(stat)) {
            String[] f = line.split("\\s+");
            if (f.length == 2 && (f[0].equals(activeKey) || f[0].equals(inactiveKey))) {
                sum += parseLong(f[1]).orElse(0);
            }
        }
        return sum;
    }

    private static OptionalLong meminfoBytes(Path meminfo, String key) {
        for (String line : readLines(meminfo)) {
            if (line.startsWith(key + ":")) {
                String[] f = line.substring(key.length() + 1).strip().split("\\s+");
                OptionalLong v = parseLong(f[0]);
                if (v.isPresent()) {
                    boolean kb = f.length > 1 && f[1].equalsIgnoreCase("kB");
                    return OptionalLong.of(kb ? v.getAsLong() * 1024 : v.getAsLong());
                }
            }
        }
        return OptionalLong.empty();
    }

    private Path host(String absolute) {
        return root.resolve(absolute.replaceFirst("^/+", ""));
    }

    static long mib(long bytes) {
        return bytes >> 20;
    }

    private static OptionalLong readLong(Path file) {
        return readFirstLine(file).map(MemoryBudget::parseLong).orElse(OptionalLong.empty());
    }

    private static OptionalLong parseLong(String s) {
        try {
            return OptionalLong.of(Long.parseLong(s.strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<String> readFirstLine(Path file) {
        List<String> lines = readLines(file);
        return lines.isEmpty() ? Optional.empty() : Optional.of(lines.getFirst().strip());
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }

    /** One line of {@code /proc/self/mountinfo}, with octal escapes ({@code \040}) decoded. */
    record Mount(String root, String mountPoint, String fsType, List<String> superOptions) {
        static List<Mount> parseAll(List<String> lines) {
            List<Mount> mounts = new ArrayList<>();
            for (String line : lines) {
                String[] f = line.split(" ");
                int sep = List.of(f).indexOf("-");
                if (sep < 6 || f.length < sep + 4) {
                    continue;
                }
                mounts.add(new Mount(unescape(f[3]), unescape(f[4]), f[sep + 1], List.of(f[sep + 3].split(","))));
            }
            return mounts;
        }

        private static String unescape(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                } else {
                    sb.append(c);
                }
            }
            return sb.toString();
        }
    }
}
