package dev.jshrew.api.engine;

import java.time.Duration;

/**
 * How to instantiate.
 *
 * @param memoryLimitPages the most pages the guest may ever have: {@code memory.grow} beyond it returns -1 on
 *     every engine. The host computes it as min(module's declared maximum or 65536, configured guest limit);
 *     it is part of an indexer's deterministic configuration
 * @param commitBytes bytes of guest memory to commit physically at instantiation (0: commit nothing, memory
 *     is backed lazily, as a fresh reference instance is). Engines capped below the limit commit up to their cap
 * @param callTimeout how long one {@link ModuleInstance#call} may run before it ends with a
 *     {@link Trap#TIMEOUT} trap ({@link Duration#ZERO}: no limit). An operational setting for views, never for
 *     indexing, where a result must not depend on the machine's speed. Non-zero needs
 *     {@link EngineCapability#CALL_TIMEOUT}
 */
public record InstanceOptions(int memoryLimitPages, long commitBytes, Duration callTimeout) {
    public InstanceOptions {
        java.util.Objects.requireNonNull(callTimeout, "callTimeout");
        if (callTimeout.isNegative()) {
            throw new IllegalArgumentException("negative call timeout: " + callTimeout);
        }
        if (memoryLimitPages < 0 || memoryLimitPages > MemoryLimits.MAX_PAGES) {
            throw new IllegalArgumentException("memory limit out of range: " + memoryLimitPages + " pages");
        }
        if (commitBytes < 0) {
            throw new IllegalArgumentException("commitBytes < 0: " + commitBytes);
        }
    }

    /** No call timeout. */
    public InstanceOptions(int memoryLimitPages, long commitBytes) {
        this(memoryLimitPages, commitBytes, Duration.ZERO);
    }

    /** These options with another call timeout. */
    public InstanceOptions withCallTimeout(Duration timeout) {
        return new InstanceOptions(memoryLimitPages, commitBytes, timeout);
    }

    /** Whether calls are limited in time. */
    public boolean hasCallTimeout() {
        return !callTimeout.isZero();
    }

    /** A lazily backed instance with the given limit: the reference ("fresh") configuration. */
    public static InstanceOptions uncommitted(int memoryLimitPages) {
        return new InstanceOptions(memoryLimitPages, 0);
    }
}
