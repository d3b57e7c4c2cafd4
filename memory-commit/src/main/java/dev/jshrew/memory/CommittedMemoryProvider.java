package dev.jshrew.memory;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.memory.CommitReport;
import dev.jshrew.api.memory.LinearMemory;
import dev.jshrew.api.memory.LinearMemoryProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.Objects;

/**
 * Reserves guest linear memory with {@code mmap} and commits it physically up front, refusing early (before
 * anything is committed) when cgroup limits or available memory cannot hold it. Linux only; uses
 * {@code java.lang.foreign} exclusively, so the JVM needs {@code --enable-native-access} for this module (or
 * {@code ALL-UNNAMED} on the class path).
 *
 * <pre>{@code
 * LinearMemoryProvider provider = new CommittedMemoryProvider();          // strategy from jshrew.memory.strategy
 * try (LinearMemory mem = provider.reserve(4L << 30, 4L << 30)) {
 *     MemorySegment guest = mem.segment();                                  // zeroed, 4 GiB resident
 *     System.out.println(mem.commitReport().describe());
 * }
 * }</pre>
 *
 * <p>Committed pages are never given back ({@code MADV_DONTNEED} is never used) while the memory lives; closing
 * the {@link LinearMemory} unmaps the whole reservation. The reservation is 2 MiB-aligned so transparent huge pages
 * can back it.
 *
 * <p>Configuration (no-argument constructor): system property {@value #STRATEGY_PROPERTY} ({@code auto} by
 * default, see {@link CommitStrategy#parse}); {@value #BUDGET_PROPERTY}{@code =off} disables the fail-fast budget
 * check (an escape hatch for environments whose limits it misreads).
 *
 * <p>Thread-safe and stateless apart from its configuration.
 */
public final class CommittedMemoryProvider implements LinearMemoryProvider {
    /** System property naming the default {@link CommitStrategy}. */
    public static final String STRATEGY_PROPERTY = "jshrew.memory.strategy";
    /** System property; {@code off} skips the cgroup/meminfo check before committing. */
    public static final String BUDGET_PROPERTY = "jshrew.memory.budget";

    private static final long HUGE_PAGE_ALIGNMENT = 2L << 20;

    private final CommitStrategy strategy;
    private final MemoryBudget budget;

    /** A provider configured from {@value #STRATEGY_PROPERTY} and {@value #BUDGET_PROPERTY}. */
    public CommittedMemoryProvider() {
        this(CommitStrategy.parse(System.getProperty(STRATEGY_PROPERTY, "auto")));
    }

    /** A provider committing with {@code strategy}; {@value #BUDGET_PROPERTY} still applies. */
    public CommittedMemoryProvider(CommitStrategy strategy) {
        this(strategy, budgetFromProperty());
    }

    /** @param budget the fail-fast check, or {@code null} for none */
    CommittedMemoryProvider(CommitStrategy strategy, MemoryBudget budget) {
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.budget = budget;
    }

    /** The configured strategy (possibly {@link CommitStrategy#AUTO}). */
    public CommitStrategy strategy() {
        return strategy;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The segment is exactly {@code reserveBytes} long; the mapping behind it is rounded up to whole pages.
     *
     * @throws IllegalArgumentException if {@code reserveBytes <= 0} or {@code commitBytes} is not within
     *     {@code [0, reserveBytes]}
     */
    @Override
    @SuppressWarnings("restricted") // the segment is sized to the mapping this method just made
    public LinearMemory reserve(long reserveBytes, long commitBytes) {
        if (reserveBytes <= 0 || commitBytes < 0 || commitBytes > reserveBytes) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "need 0 < reserveBytes and 0 <= commitBytes <= reserveBytes, got reserve=%d commit=%d",
                    reserveBytes,
                    commitBytes));
        }
        requireLinux();
        long page = Posix.pageSize();
        long mapLen = Posix.roundUp(reserveBytes, page);
        long commitLen = Posix.roundUp(commitBytes, page);
        CommitStrategy concrete = commitBytes == 0 ? CommitStrategy.NONE : strategy.resolveForFreshMapping();
        if (budget != null && concrete != CommitStrategy.NONE) {
            budget.require(mapLen + HUGE_PAGE_ALIGNMENT, commitLen);
        }
        long addr = reserveAligned(mapLen);
        try {
            CommitReport report = commitBytes == 0
                    ? CommitReport.none(Committer.rssBytes())
                    : Committer.commit(
                            MemorySegment.ofAddress(addr).reinterpret(commitLen), commitLen, commitBytes, concrete);
            // Not try-with-resources: the arena's owner is the returned memory, whose close() closes it.
            @SuppressWarnings("MustBeClosedChecker")
            Arena arena = Arena.ofShared();
            MemorySegment segment = MemorySegment.ofAddress(addr)
                    .reinterpret(reserveBytes, arena, ignored -> unmapQuietly(addr, mapLen));
            return new CommittedLinearMemory(arena, segment, report);
        } catch (RuntimeException | Error e) {
            unmapQuietly(addr, mapLen);
            throw e;
        }
    }

    /**
     * Commits an existing, accessible range that someone else mapped (an engine that owns its memory, such as
     * wasmtime), keeping its contents. {@link CommitStrategy#AUTO} resolves to huge pages + populate-write,
     * populate-write or touch; {@link CommitStrategy#MAP_POPULATE} is rejected because it would replace the
     * mapping. The budget check counts only the pages not yet resident.
     *
     * @param seg a native segment whose address and size are multiples of the OS page size
     * @return the report (also logged at INFO)
     * @throws IllegalArgumentException for a heap segment, an unaligned range or {@code MAP_POPULATE}
     * @throws JshrewException {@link ErrorCode#MEMORY_COMMIT_REFUSED} if the budget or the kernel refuses
     */
    public static CommitReport commitRange(MemorySegment seg, CommitStrategy strategy) {
        return commitRange(seg, strategy, budgetFromProperty());
    }

    /**
     * {@inheritDoc}
     *
     * <p>With this provider's strategy and budget, as {@link #commitRange(MemorySegment, CommitStrategy)} does:
     * {@link CommitStrategy#MAP_POPULATE} is rejected.
     */
    @Override
    public CommitReport commitRange(MemorySegment range) {
        return commitRange(range, strategy, budget);
    }

    private static CommitReport commitRange(MemorySegment seg, CommitStrategy strategy, MemoryBudget budget) {
        Objects.requireNonNull(strategy, "strategy");
        if (strategy == CommitStrategy.MAP_POPULATE) {
            throw new IllegalArgumentException(
                    "MAP_POPULATE maps fresh memory over the range and would discard it; use POPULATE_WRITE or TOUCH");
        }
        requireLinux();
        requirePageRange(seg);
        CommitStrategy concrete = strategy.resolveForExistingRange();
        long len = seg.byteSize();
        if (concrete != CommitStrategy.NONE && budget != null) {
            budget.require(0, len - Committer.residentBytes(seg.address(), len));
        }
        return Committer.commit(seg, len, len, concrete);
    }

    /**
     * Makes a range inaccessible ({@code PROT_NONE}) or readable and writable again, with {@code mprotect}. Pages
     * stay resident and keep their contents either way. For engines whose generated code turns the resulting
     * SIGSEGV into a trap (exact out-of-bounds traps past a guest's current size): a Java access to a
     * {@code PROT_NONE} page through a {@link MemorySegment} crashes the JVM instead.
     *
     * @param seg a native segment whose address and size are multiples of the OS page size
     * @throws IllegalArgumentException for a heap segment or an unaligned range
     * @throws JshrewException {@link ErrorCode#MEMORY_COMMIT_REFUSED} if the kernel refuses (e.g. ENOMEM when
     *     {@code vm.max_map_count} would be exceeded)
     */
    @Override
    public void protect(MemorySegment seg, boolean accessible) {
        requireLinux();
        requirePageRange(seg);
        try {
            Posix.mprotect(
                    seg.address(), seg.byteSize(), accessible ? Posix.PROT_READ | Posix.PROT_WRITE : Posix.PROT_NONE);
        } catch (Posix.ErrnoException e) {
            throw new JshrewException(
                    ErrorCode.MEMORY_COMMIT_REFUSED,
                    String.format(
                            Locale.ROOT,
                            "cannot protect %d KiB at 0x%x: %s",
                            seg.byteSize() >> 10,
                            seg.address(),
                            e.getMessage()),
                    e);
        }
    }

    /**
     * The fail-fast check on its own, for engines that allocate guest memory themselves (GraalWasm grows its own
     * native memory): refuses with {@link dev.jshrew.api.ErrorCode#MEMORY_COMMIT_REFUSED}, naming the limit, when
     * {@code commitBytes} more resident memory would not fit (cgroup v2/v1 limits, {@code MemAvailable}, strict
     * overcommit). Honours {@value #BUDGET_PROPERTY}{@code =off} (read when the provider was created).
     */
    @Override
    public void requireBudget(long commitBytes) {
        if (budget != null && commitBytes > 0) {
            budget.require(0, commitBytes);
        }
    }

    /** This process's resident set (VmRSS) in bytes, or -1 when unreadable: how engines verify a commit. */
    @Override
    public long residentSetBytes() {
        return Committer.rssBytes();
    }

    private static long reserveAligned(long mapLen) {
        long total = Math.addExact(mapLen, HUGE_PAGE_ALIGNMENT);
        long base;
        try {
            base = Posix.mmapAnonymous(
                    0, total, Posix.PROT_READ | Posix.PROT_WRITE, Posix.MAP_PRIVATE | Posix.MAP_NORESERVE);
        } catch (Posix.ErrnoException e) {
            throw new JshrewException(
                    ErrorCode.MEMORY_COMMIT_REFUSED,
                    String.format(
                            Locale.ROOT,
                            "cannot reserve %d MiB of address space for guest memory: %s "
                                    + "(ulimit -v? strict overcommit?)",
                            mapLen >> 20,
                            e.getMessage()),
                    e);
        }
        // Trim the over-reservation so the region starts on a 2 MiB boundary (huge pages need PMD alignment).
        long aligned = Posix.roundUp(base, HUGE_PAGE_ALIGNMENT);
        unmapQuietly(base, aligned - base);
        unmapQuietly(aligned + mapLen, base + total - (aligned + mapLen));
        return aligned;
    }

    private static void unmapQuietly(long addr, long len) {
        if (len <= 0) {
            return;
        }
        try {
            Posix.munmap(addr, len);
        } catch (Posix.ErrnoException e) {
            System.getLogger(CommittedMemoryProvider.class.getName())
                    .log(
                            System.Logger.Level.ERROR,
                            String.format(
                                    Locale.ROOT,
                                    "guest memory at 0x%x (%d MiB) not unmapped: %s",
                                    addr,
                                    len >> 20,
                                    e.getMessage()));
        }
    }

    private static void requirePageRange(MemorySegment seg) {
        Objects.requireNonNull(seg, "seg");
        long page = Posix.pageSize();
        if (!seg.isNative()) {
            throw new IllegalArgumentException("not a native segment: " + seg);
        }
        if (seg.address() % page != 0 || seg.byteSize() % page != 0) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "range 0x%x + %d is not a whole number of %d-byte pages",
                    seg.address(),
                    seg.byteSize(),
                    page));
        }
    }

    private static void requireLinux() {
        String os = System.getProperty("os.name", "");
        if (!os.startsWith("Linux")) {
            throw new JshrewException(
                    ErrorCode.MEMORY_COMMIT_REFUSED,
                    "committing guest memory needs Linux (mmap/madvise constants), this is " + os);
        }
    }

    private static MemoryBudget budgetFromProperty() {
        String v = System.getProperty(BUDGET_PROPERTY, "on").strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "off", "false" -> null;
            case "on", "true" -> MemoryBudget.system();
            default -> throw new IllegalArgumentException(BUDGET_PROPERTY + " must be on or off, got " + v);
        };
    }
}
