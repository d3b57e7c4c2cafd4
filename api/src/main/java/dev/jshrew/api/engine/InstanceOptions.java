package dev.jshrew.api.engine;

/**
 * How to instantiate.
 *
 * @param memoryLimitPages the most pages the guest may ever have: {@code memory.grow} beyond it returns -1 on
 *     every engine. The host computes it as min(module's declared maximum or 65536, configured guest limit);
 *     it is part of an indexer's deterministic configuration
 * @param commitBytes bytes of guest memory to commit physically at instantiation (0: commit nothing, memory
 *     is backed lazily, as a fresh reference instance is). Engines capped below the limit commit up to their cap
 */
public record InstanceOptions(int memoryLimitPages, long commitBytes) {
    public InstanceOptions {
        if (memoryLimitPages < 0 || memoryLimitPages > MemoryLimits.MAX_PAGES) {
            throw new IllegalArgumentException("memory limit out of range: " + memoryLimitPages + " pages");
        }
        if (commitBytes < 0) {
            throw new IllegalArgumentException("commitBytes < 0: " + commitBytes);
        }
    }

    /** A lazily backed instance with the given limit: the reference ("fresh") configuration. */
    public static InstanceOptions uncommitted(int memoryLimitPages) {
        return new InstanceOptions(memoryLimitPages, 0);
    }
}
