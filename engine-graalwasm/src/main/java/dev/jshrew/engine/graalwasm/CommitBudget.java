package dev.jshrew.engine.graalwasm;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Refuses a commit the machine cannot hold before GraalWasm grows (and zero-fills) its memory, so the operator
 * gets a message instead of an OOM kill half-way. GraalWasm allocates its memory itself, so the memory-commit
 * module's provider (which checks its own reservations) cannot be used; this checks the two limits that matter
 * in practice: {@code MemAvailable} and the cgroup v2 {@code memory.max} of the process's cgroup. Honours
 * {@code -Djshrew.memory.budget=off} like the memory-commit module.
 */
final class CommitBudget {
    private CommitBudget() {}

    static void require(long bytes) {
        if ("off".equals(System.getProperty("jshrew.memory.budget"))) {
            return;
        }
        long available = Long.MAX_VALUE;
        String what = null;
        long memAvailable = meminfo("MemAvailable");
        if (memAvailable >= 0) {
            available = memAvailable;
            what = "MemAvailable in /proc/meminfo is " + (memAvailable >> 20) + " MiB";
        }
        for (String line : lines(Path.of("/proc/self/cgroup"))) {
            if (line.startsWith("0::")) {
                Path dir = Path.of("/sys/fs/cgroup", line.substring(3));
                long max = number(dir.resolve("memory.max"));
                long current = number(dir.resolve("memory.current"));
                if (max >= 0 && current >= 0 && max - current < available) {
                    available = Math.max(0, max - current);
                    what = "cgroup memory.max allows " + (max >> 20) + " MiB (" + (current >> 20) + " MiB in use) at " + dir;
                }
            }
        }
        if (bytes > available) {
            throw new JshrewException(ErrorCode.MEMORY_COMMIT_REFUSED, String.format(Locale.ROOT,
                    "engine graalwasm cannot commit %d MiB of guest memory: %s; lower or disable the commit (--memory-commit SIZE|off)"
                            + " or raise the limit", bytes >> 20, what));
        }
    }

    /** VmRSS of this process in bytes, or 0 when unknown. */
    static long rssBytes() {
        for (String line : lines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return kib(line);
            }
        }
        return 0;
    }

    private static long meminfo(String key) {
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith(key + ":")) {
                return kib(line);
            }
        }
        return -1;
    }

    private static long kib(String line) {
        String digits = line.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? 0 : Long.parseLong(digits) * 1024;
    }

    private static long number(Path file) {
        List<String> l = lines(file);
        if (l.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(l.getFirst().strip());
        } catch (NumberFormatException e) {
            return -1;      // "max": no limit
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }
}
