package dev.jshrew.memory;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.memory.CommitReport;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Makes one page-aligned range resident with a concrete {@link CommitStrategy}, then verifies it: {@code mincore}
 * counts the resident pages of the range (that count is {@link CommitReport#committedBytes()}), and VmRSS is read
 * before and after. A range that is not fully resident afterwards is a refusal, except with {@code NONE}.
 * Stateless; the caller owns the mapping and unmaps it if this throws.
 */
final class Committer {
    private static final System.Logger LOG = System.getLogger(CommittedMemoryProvider.class.getName());
    private static final Path PROC_STATUS = Path.of("/proc/self/status");
    /** Atomic read-modify-write on an int: a store the JIT cannot drop, and it keeps whatever the page held. */
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private Committer() {}

    /**
     * @param range the memory, starting page-aligned; {@code TOUCH} accesses it through this segment
     * @param len bytes to commit from the start of {@code range}, a multiple of the page size
     * @param requested what the caller asked for (reported as {@link CommitReport#requestedBytes()})
     * @param strategy a concrete strategy (not AUTO)
     * @throws JshrewException {@link ErrorCode#MEMORY_COMMIT_REFUSED} when the kernel refuses or the pages are not
     *     resident afterwards
     */
    static CommitReport commit(MemorySegment range, long len, long requested, CommitStrategy strategy) {
        long addr = range.address();
        long rssBefore = rssBytes();
        long start = System.nanoTime();
        try {
            switch (strategy) {
                case HUGEPAGE_POPULATE_WRITE -> {
                    Posix.madvise(addr, len, Posix.MADV_HUGEPAGE);
                    Posix.madvise(addr, len, Posix.MADV_POPULATE_WRITE);
                }
                case POPULATE_WRITE -> Posix.madvise(addr, len, Posix.MADV_POPULATE_WRITE);
                case MAP_POPULATE -> {
                    long got = Posix.mmapAnonymous(
                            addr,
                            len,
                            Posix.PROT_READ | Posix.PROT_WRITE,
                            Posix.MAP_PRIVATE | Posix.MAP_FIXED | Posix.MAP_POPULATE);
                    if (got != addr) {
                        throw new IllegalStateException("mmap(MAP_FIXED) moved the mapping");
                    }
                }
                case TOUCH -> touch(range, len);
                case NONE -> {}
                case AUTO -> throw new IllegalArgumentException("AUTO must be resolved first");
            }
        } catch (Posix.ErrnoException e) {
            String why = e.errno() == Posix.EINVAL ? KernelSupport.get().whyUnsupported(strategy) : null;
            throw new JshrewException(
                    ErrorCode.MEMORY_COMMIT_REFUSED,
                    String.format(
                            Locale.ROOT,
                            "cannot commit %d MiB of guest memory with %s: %s%s",
                            len >> 20,
                            strategy.label(),
                            e.getMessage(),
                            why == null ? "" : " (" + why + ")"),
                    e);
        }
        long nanos = System.nanoTime() - start;
        long resident = residentBytes(addr, len);
        long rssAfter = rssBytes();
        if (strategy != CommitStrategy.NONE && resident < len) {
            throw new JshrewException(
                    ErrorCode.MEMORY_COMMIT_REFUSED,
                    String.format(
                            Locale.ROOT,
                            "cannot commit %d MiB of guest memory: only %d MiB were resident after %s (mincore)",
                            len >> 20,
                            resident >> 20,
                            strategy.label()));
        }
        CommitReport report = new CommitReport(requested, resident, strategy.label(), nanos, rssBefore, rssAfter);
        LOG.log(System.Logger.Level.INFO, report.describe());
        return report;
    }

    private static void touch(MemorySegment range, long len) {
        long page = Posix.pageSize();
        for (long off = 0; off < len; off += page) {
            INT.getAndAdd(range, off, 0);
        }
    }

    /** Bytes of {@code [addr, addr+len)} that {@code mincore} reports resident. */
    static long residentBytes(long addr, long len) {
        try {
            return Math.min(len, Posix.residentPages(addr, len) * Posix.pageSize());
        } catch (Posix.ErrnoException e) {
            throw new IllegalStateException("cannot verify residency: " + e.getMessage(), e);
        }
    }

    /** VmRSS of this process from {@code /proc/self/status}, in bytes; -1 when unreadable. */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(PROC_STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).strip().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
