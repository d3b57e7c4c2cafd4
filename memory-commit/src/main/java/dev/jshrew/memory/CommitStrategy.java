package dev.jshrew.memory;

import java.util.Locale;

/**
 * How guest memory is made physically resident. Each constant's {@link #label()} is what a
 * {@link dev.jshrew.api.memory.CommitReport#strategy()} says, and what {@link #parse(String)} accepts (as well as
 * the constant's name, in any case).
 *
 * <p>Measured on a 2-core VM (Linux 6.18, THP {@code madvise}), 4 GiB: see this module's README.
 */
public enum CommitStrategy {
    /**
     * Picks the best strategy this kernel supports, once per JVM: {@link #HUGEPAGE_POPULATE_WRITE} if
     * transparent huge pages and {@code MADV_POPULATE_WRITE} are available, else {@link #POPULATE_WRITE}, else
     * {@link #MAP_POPULATE} for a fresh mapping (or {@link #TOUCH} for an existing range).
     */
    AUTO("auto"),
    /** {@code madvise(MADV_HUGEPAGE)} then {@code madvise(MADV_POPULATE_WRITE)} (Linux ≥ 5.14, THP enabled). */
    HUGEPAGE_POPULATE_WRITE("hugepage+populate_write"),
    /** {@code madvise(MADV_POPULATE_WRITE)} alone: 4 KiB pages unless THP is {@code always} (Linux ≥ 5.14). */
    POPULATE_WRITE("populate_write"),
    /**
     * A fresh {@code mmap(MAP_FIXED|MAP_POPULATE)} over the range. Only for memory this module maps itself: it
     * would discard the contents of an existing range. The kernel ignores populate failures here, so the
     * {@code mincore} verification is what catches a short commit.
     */
    MAP_POPULATE("map_populate"),
    /** Writes every OS page once from Java (an atomic add of zero, so existing contents survive). */
    TOUCH("touch"),
    /** Commits nothing: pages are backed lazily on first touch. */
    NONE("none");

    private final String label;

    CommitStrategy(String label) {
        this.label = label;
    }

    /** The name used in reports, logs and {@code jshrew.memory.strategy}, e.g. {@code hugepage+populate_write}. */
    public String label() {
        return label;
    }

    /**
     * Whether this kernel supports the strategy (probed once per JVM with a one-page mapping). {@link #AUTO},
     * {@link #MAP_POPULATE}, {@link #TOUCH} and {@link #NONE} are always supported on Linux.
     */
    public boolean isSupported() {
        return KernelSupport.get().supports(this);
    }

    /**
     * Parses a label or constant name, case-insensitively: {@code auto}, {@code hugepage+populate_write} or
     * {@code hugepage_populate_write}, {@code populate_write}, {@code map_populate}, {@code touch}, {@code none}.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static CommitStrategy parse(String text) {
        if (text != null) {
            String t = text.strip().toLowerCase(Locale.ROOT);
            for (CommitStrategy s : values()) {
                if (s.label.equals(t) || s.name().toLowerCase(Locale.ROOT).equals(t)) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("unknown memory commit strategy '" + text
                + "': expected one of auto, hugepage+populate_write, populate_write, map_populate, touch, none");
    }

    /** The concrete strategy AUTO stands for, for memory this module maps itself. */
    CommitStrategy resolveForFreshMapping() {
        if (this != AUTO) {
            return this;
        }
        KernelSupport k = KernelSupport.get();
        if (k.supports(HUGEPAGE_POPULATE_WRITE)) {
            return HUGEPAGE_POPULATE_WRITE;
        }
        return k.supports(POPULATE_WRITE) ? POPULATE_WRITE : MAP_POPULATE;
    }

    /** The concrete strategy AUTO stands for, for a range someone else mapped (never MAP_POPULATE). */
    CommitStrategy resolveForExistingRange() {
        if (this != AUTO) {
            return this;
        }
        KernelSupport k = KernelSupport.get();
        if (k.supports(HUGEPAGE_POPULATE_WRITE)) {
            return HUGEPAGE_POPULATE_WRITE;
        }
        return k.supports(POPULATE_WRITE) ? POPULATE_WRITE : TOUCH;
    }
}
