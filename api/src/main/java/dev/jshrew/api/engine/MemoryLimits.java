package dev.jshrew.api.engine;

import java.util.OptionalInt;

/**
 * Limits of a linear memory in 64 KiB pages, as declared by a module.
 *
 * @param initialPages pages at instantiation
 * @param maximumPages the declared maximum, empty when the module declares none (then 65536 applies)
 */
public record MemoryLimits(int initialPages, OptionalInt maximumPages) {
    /** Bytes per WebAssembly page. */
    public static final int PAGE_SIZE = 65536;
    /** The wasm32 maximum: 4 GiB. */
    public static final int MAX_PAGES = 65536;

    public MemoryLimits {
        if (initialPages < 0 || initialPages > MAX_PAGES) {
            throw new IllegalArgumentException("initial pages out of range: " + initialPages);
        }
    }

    /** The declared maximum, or 65536 when none is declared. */
    public int effectiveMaximumPages() {
        return maximumPages.orElse(MAX_PAGES);
    }
}
