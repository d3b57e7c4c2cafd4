package dev.jshrew.memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this kernel supports, probed once per JVM on a private two-page mapping: {@code MADV_POPULATE_WRITE}
 * (Linux ≥ 5.14) and transparent huge pages ({@code MADV_HUGEPAGE} accepted and THP not {@code [never]}).
 * Immutable and thread-safe.
 */
final class KernelSupport {
    private static final Path THP_ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private final String populateWriteMissing;
    private final String hugePagesMissing;

    private KernelSupport(String populateWriteMissing, String hugePagesMissing) {
        this.populateWriteMissing = populateWriteMissing;
        this.hugePagesMissing = hugePagesMissing;
    }

    private static final class Holder {
        static final KernelSupport INSTANCE = probe();
    }

    static KernelSupport get() {
        return Holder.INSTANCE;
    }

    boolean supports(CommitStrategy strategy) {
        return whyUnsupported(strategy) == null;
    }

    /** Why the strategy is unavailable here, or {@code null} when it is available. */
    String whyUnsupported(CommitStrategy strategy) {
        return switch (strategy) {
            case POPULATE_WRITE -> populateWriteMissing;
            case HUGEPAGE_POPULATE_WRITE -> populateWriteMissing != null ? populateWriteMissing : hugePagesMissing;
            case AUTO, MAP_POPULATE, TOUCH, NONE -> null;
        };
    }

    private static KernelSupport probe() {
        long page = Posix.pageSize();
        long addr;
        try {
            addr = Posix.mmapAnonymous(
                    0, 2 * page, Posix.PROT_READ | Posix.PROT_WRITE, Posix.MAP_PRIVATE | Posix.MAP_NORESERVE);
        } catch (Posix.ErrnoException e) {
            String why = "cannot probe the kernel: " + e.getMessage();
            return new KernelSupport(why, why);
        }
        try {
            String populate = probeAdvice(
                    addr,
                    page,
                    Posix.MADV_POPULATE_WRITE,
                    "the kernel reports EINVAL for madvise(MADV_POPULATE_WRITE): it needs Linux >= 5.14");
            String huge = probeAdvice(
                    addr + page,
                    page,
                    Posix.MADV_HUGEPAGE,
                    "the kernel reports EINVAL for madvise(MADV_HUGEPAGE): built without transparent huge pages");
            if (huge == null) {
                huge = thpModeProblem();
            }
            return new KernelSupport(populate, huge);
        } finally {
            try {
                Posix.munmap(addr, 2 * page);
            } catch (Posix.ErrnoException e) {
                System.getLogger(KernelSupport.class.getName())
                        .log(System.Logger.Level.WARNING, "probe mapping not released: " + e.getMessage());
            }
        }
    }

    /** {@code null} if the advice works; the EINVAL explanation if the kernel does not know it. */
    private static String probeAdvice(long addr, long len, int advice, String einvalMessage) {
        try {
            Posix.madvise(addr, len, advice);
            return null;
        } catch (Posix.ErrnoException e) {
            // Anything but EINVAL means the kernel knows the advice (it failed for another reason, e.g. ENOMEM).
            return e.errno() == Posix.EINVAL ? einvalMessage : null;
        }
    }

    private static String thpModeProblem() {
        try {
            String mode =
                    Files.readString(THP_ENABLED, StandardCharsets.US_ASCII).strip();
            return mode.contains("[never]")
                    ? "transparent huge pages are disabled (" + THP_ENABLED + ": " + mode + ")"
                    : null;
        } catch (IOException e) {
            return "transparent huge pages unavailable: cannot read " + THP_ENABLED;
        }
    }
}
